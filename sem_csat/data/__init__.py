"""Survey data: read it from a file or a DataFrame, then check and prepare it for a model.

The pipeline is :func:`read_data` (any supported file → :class:`RawData`) followed by
:func:`prepare_data` (:class:`RawData` + :class:`~sem_csat.spec.ModelSpec` →
:class:`PreparedData`), which explains every problem before an engine runs.

Rows in messages are counted from 1 at the first data row below the header.
"""

from sem_csat.data._common import where as source_name
from sem_csat.data.prepare import MISSING_POLICIES, MissingPolicy, PreparedData, prepare_data
from sem_csat.data.readers import EXTENSIONS, Format, RawData, read_data
from sem_csat.data.validate import DataValidationError

__all__ = [
    "EXTENSIONS",
    "MISSING_POLICIES",
    "DataValidationError",
    "Format",
    "MissingPolicy",
    "PreparedData",
    "RawData",
    "prepare_data",
    "read_data",
    "source_name",
]
