"""The evidence engine (issue #6): reads the folder of plain files EVIDENCE-DATA.md defines and computes,
with statsmodels and lifelines, what the published LEAD evaluations computed once. Pure Python, no
Django: outside evaluators run it on their own extracts with `leadline evaluate`."""
