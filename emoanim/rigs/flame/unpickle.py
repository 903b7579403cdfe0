"""A restricted unpickler for FLAME files: numpy arrays, scipy sparse matrices and chumpy values, nothing else.

The official FLAME pickles (Python 2, protocol 2) hold ``chumpy.ch.Ch`` objects and a ``scipy.sparse`` regressor.
Unpickling normally imports and calls whatever a file names, so a crafted "model" could run any code. Here
`find_class` is an allow-list: numpy's own array reconstruction, and stand-in classes for chumpy and scipy.sparse
that only store the state they are given (they run no code of the file's choosing). Any other global is refused
with a one-line `InputError` before it is ever imported.
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from emoanim.errors import InputError

FLAME_SOURCE_HINT = ("FLAME is obtained from https://flame.is.tue.mpg.de after accepting its licence, which forbids "
                     "redistribution, so emoanim ships none")

_NUMPY_CALLABLES: dict[tuple[str, str], Any] = {}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _NUMPY_CALLABLES[(_module, "_reconstruct")] = np._core.multiarray._reconstruct
    _NUMPY_CALLABLES[(_module, "scalar")] = np._core.multiarray.scalar
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    _NUMPY_CALLABLES[(_module, "_frombuffer")] = np._core.numeric._frombuffer
_NUMPY_CALLABLES[("numpy", "ndarray")] = np.ndarray
_NUMPY_CALLABLES[("numpy", "dtype")] = np.dtype
for _name in ("dtype", "ndarray"):
    _NUMPY_CALLABLES[("numpy.dtypes", _name)] = getattr(np, _name)


class StoredState:
    """Base of the stand-ins: created with ``object.__new__`` by the unpickler, keeps the pickled state as data."""

    module = ""
    qualname = ""
    args: tuple = ()
    state: Any = None

    def __init__(self, *args: Any) -> None:  # a REDUCE of the class itself (``cls(*args)``) only records its args
        self.args = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class ChumpyValue(StoredState):
    """Stands in for a chumpy object; `chumpy_array` turns it into the numpy array it held."""


class SparseValue(StoredState):
    """Stands in for a scipy.sparse matrix; `sparse_matrix` rebuilds it from the stored arrays."""


_PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}
_SAFE_BUILTINS = {"set": set, "frozenset": frozenset}


def _stand_in(base: type, module: str, name: str) -> type:
    return type(name, (base,), {"module": module, "qualname": name})


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    # Python 3 writes bytes into protocol-2 pickles as ``_codecs.encode(text, 'latin1')``; no other codec is needed.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r}")
    return text.encode("latin1")


class RestrictedUnpickler(pickle.Unpickler):
    """Loads numpy / scipy.sparse / chumpy data only. Python 2 pickles need ``encoding="latin1"`` (the default)."""

    def __init__(self, stream: io.BufferedIOBase, path: Path):
        super().__init__(stream, encoding="latin1", fix_imports=True)
        self.path = path
        self._stand_ins: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> Any:
        module = _PYTHON2_MODULES.get(module, module)  # what fix_imports would do; overriding find_class skips it
        key = (module, name)
        if key in _NUMPY_CALLABLES:
            return _NUMPY_CALLABLES[key]
        if key == ("copyreg", "_reconstructor"):
            # Protocol-2 objects: ``_reconstructor(cls, object, None)`` = ``object.__new__(cls)``; ``cls`` itself
            # came through this method, so only an allowed class is ever instantiated.
            return _reconstructor
        if key == ("builtins", "object"):
            return object
        if key in (("builtins", "set"), ("builtins", "frozenset")):
            return _SAFE_BUILTINS[name]  # chumpy keeps a set of dirty variable names in its pickled state
        if key == ("_codecs", "encode"):
            return _latin1_encode
        if module == "chumpy" or module.startswith("chumpy."):
            return self._stand_ins.setdefault(key, _stand_in(ChumpyValue, module, name))
        if module.startswith("scipy.sparse") and name.endswith(("_matrix", "_array")):
            return self._stand_ins.setdefault(key, _stand_in(SparseValue, module, name))
        raise InputError(f"refusing to unpickle {module}.{name}: a FLAME file holds only numpy, scipy.sparse and "
                         "chumpy data", path=self.path, hint=f"this is not a genuine FLAME file; {FLAME_SOURCE_HINT}")


def _reconstructor(cls: type, base: type, state: Any) -> Any:
    if base is not object or not issubclass(cls, StoredState):
        raise pickle.UnpicklingError(f"unexpected protocol-2 reconstruction of {cls!r} from {base!r}")
    return object.__new__(cls)


def restricted_loads(data: bytes, path: Path) -> Any:
    """Unpickle ``data`` (the bytes of ``path``) with the allow-list above."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), path).load()
    except InputError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            UnicodeDecodeError) as err:
        raise InputError(f"cannot read as a FLAME pickle: {type(err).__name__}: {err}", path=path,
                         hint=FLAME_SOURCE_HINT) from None


def to_array(value: Any, what: str, path: Path) -> np.ndarray:
    """``value`` as a numpy array: arrays pass, chumpy stand-ins give the array they held, sparse ones densify."""
    if isinstance(value, ChumpyValue):
        return chumpy_array(value, what, path)
    if isinstance(value, SparseValue):
        return sparse_matrix(value, what, path).toarray()
    if sparse.issparse(value):
        return value.toarray()
    if isinstance(value, np.ndarray) and value.dtype == object:
        if value.ndim == 0:
            return to_array(value.item(), what, path)
        raise InputError(f"{what} is an array of Python objects", path=path, hint=FLAME_SOURCE_HINT)
    try:
        return np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value
    except (TypeError, ValueError):
        raise InputError(f"{what} is a {type(value).__name__}, not an array", path=path,
                         hint=FLAME_SOURCE_HINT) from None


def chumpy_array(value: ChumpyValue, what: str, path: Path) -> np.ndarray:
    """The array a chumpy object held: a plain ``Ch`` keeps it in ``x``; sums and products are evaluated."""
    state = value.state if isinstance(value.state, dict) else {}
    if "x" in state:
        return to_array(state["x"], what, path)
    name = value.qualname
    if name in ("add", "subtract", "multiply") and "a" in state and "b" in state:
        a, b = to_array(state["a"], what, path), to_array(state["b"], what, path)
        return {"add": np.add, "subtract": np.subtract, "multiply": np.multiply}[name](a, b)
    raise InputError(f"{what} is a chumpy {value.module}.{name} expression this reader does not evaluate",
                     path=path, hint="re-save the model with plain arrays, or use the original FLAME 2020/2023 file")


def sparse_matrix(value: SparseValue, what: str, path: Path) -> sparse.csc_matrix:
    """Rebuild a pickled scipy.sparse CSC / CSR / COO matrix from its stored arrays."""
    state = value.state if isinstance(value.state, dict) else {}
    shape = state.get("_shape", state.get("shape"))
    try:
        shape = tuple(int(n) for n in shape)
        if "indptr" in state:
            kind = sparse.csr_matrix if "csr" in value.qualname else sparse.csc_matrix
            return sparse.csc_matrix(kind((np.asarray(state["data"]), np.asarray(state["indices"]),
                                           np.asarray(state["indptr"])), shape=shape))
        if "row" in state or "coords" in state:
            row, col = state["coords"] if "coords" in state else (state["row"], state["col"])
            return sparse.csc_matrix(sparse.coo_matrix((np.asarray(state["data"]), (np.asarray(row), np.asarray(col))),
                                                       shape=shape))
    except (TypeError, ValueError, KeyError, IndexError) as err:
        raise InputError(f"{what}: damaged sparse matrix ({err})", path=path, hint=FLAME_SOURCE_HINT) from None
    raise InputError(f"{what} is a {value.module}.{value.qualname} this reader does not rebuild", path=path,
                     hint=FLAME_SOURCE_HINT)
