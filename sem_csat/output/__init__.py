"""Write results to a folder: :func:`write` (``sem_csat.write``), the one writer of the
command line and of Python, and :func:`write_quality` (``sem-csat quality``).

See :mod:`sem_csat.output.writer` for the files and :mod:`sem_csat.provenance` for
``run.json``.
"""

from sem_csat.output.files import contained_path, ensure_out_dir, write_csv
from sem_csat.output.writer import DIAGRAM_FILES, write, write_quality
from sem_csat.provenance import file_sha256, run_record

__all__ = [
    "DIAGRAM_FILES",
    "contained_path",
    "ensure_out_dir",
    "file_sha256",
    "run_record",
    "write",
    "write_csv",
    "write_quality",
]
