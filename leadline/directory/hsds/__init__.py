"""The service directory in Open Referral HSDS 3.0 (docs/decisions/0020), one job a module:

- ``shapes``: records as HSDS objects (the JSON of the HSDS API and of the export file) and the derived
  ids HSDS wants on objects Leadline keeps as fields of their parent;
- ``queries``: who may read which records through the API, in how many queries, and the API's filters;
- ``export``: the whole directory as one HSDS JSON file, and as the HSDS tabular CSVs in a zip;
- ``importer``: ``import_hsds``, which creates or updates records by their HSDS ids, all or nothing,
  every change audited, so importing the same file twice changes nothing the second time. It reads and
  checks the file with ``import_read`` and writes it with ``import_write``.
"""
