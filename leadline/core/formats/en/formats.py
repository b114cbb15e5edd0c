from leadline.core.formats import machine_first

DATE_INPUT_FORMATS, TIME_INPUT_FORMATS, DATETIME_INPUT_FORMATS = machine_first("en")
