"""`--emit=header`: a C prototype per public function, as the bare-pointer ABI makes it.

Each memref argument becomes a pointer to its element type; it is `const` unless the function
writes it (a store, a copy or a linalg op writes into it). A module on tensors (an imported
TFLite model) is bufferized first, as the compile does, so its results become trailing output
pointers; the parameters take the model's tensor names when the importer recorded them
(`tf.entry_function`: inputs, then outputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlir.ir import MemRefType, Module, Operation, StringAttr, Value, WalkResult

from mema_mlir import diagnostics
from mema_mlir.ir_query import public_functions

_C_TYPES = {"i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "f32": "float"}
# Ops whose operand at this position is written (the value stored comes first).
_STORE_TARGET = {"memref.store": 1, "affine.store": 1, "llvm.store": 1, "memref.copy": 1}


class HeaderError(Exception):
    """A function that has no C prototype under the bare-pointer ABI; carries a located error."""

    def __init__(self, diagnostic: diagnostics.Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class FunctionSignature:
    """A lowered function as C sees it: its name and, per pointer argument, its C element type
    and whether the function writes it."""

    name: str
    arguments: tuple[tuple[str, bool], ...]
    parameter_names: tuple[str, ...] = ()  # C names, when the model gave them

    def parameter(self, index: int) -> str:
        """The C name of argument `index`."""
        return self.parameter_names[index] if self.parameter_names else f"arg{index}"


def _written_values(op: Operation) -> list[Value]:
    if op.name in _STORE_TARGET:
        return [op.operands[_STORE_TARGET[op.name]]]
    if op.name.startswith("linalg.") and "operandSegmentSizes" in op.attributes:
        outputs = list(op.attributes["operandSegmentSizes"])[-1]
        return list(op.operands)[len(op.operands) - outputs:]
    return []


def _written_arguments(function: Operation) -> set[int]:
    arguments = list(function.regions[0].blocks[0].arguments)
    written: set[int] = set()

    def visit(op: Operation) -> WalkResult:
        for value in _written_values(op):
            written.update(i for i, argument in enumerate(arguments) if value == argument)
        return WalkResult.ADVANCE

    function.walk(visit)
    return written


def signatures(module: Module) -> list[FunctionSignature]:
    """The public functions with a body; HeaderError for an argument C cannot take."""
    found = []
    for name, function in public_functions(module):
        written = _written_arguments(function)
        arguments = []
        for index, argument in enumerate(function.regions[0].blocks[0].arguments):
            element = str(argument.type.element_type) if isinstance(argument.type, MemRefType) else None
            if element not in _C_TYPES:
                raise HeaderError(diagnostics.at_location(
                    "error",
                    f"--emit=header: function '{name}' argument {index} has type {argument.type}; "
                    f"only memrefs of {', '.join(_C_TYPES)} map to C pointers",
                    function.location,
                ))
            arguments.append((_C_TYPES[element], index in written))
        found.append(FunctionSignature(name, tuple(arguments), _model_names(function, len(arguments))))
    return found


def _model_names(function: Operation, count: int) -> tuple[str, ...]:
    """The TFLite tensor names of the entry's inputs then outputs, as C identifiers, if the
    importer recorded exactly one per argument (else none: arg0, arg1, ...)."""
    if "tf.entry_function" not in function.attributes:
        return ()
    entry = function.attributes["tf.entry_function"]
    names: list[str] = []
    for key in ("inputs", "outputs"):
        try:
            text = StringAttr(entry[key]).value
        except (KeyError, IndexError, TypeError, ValueError):  # missing, or not a string
            return ()
        names += [n for n in text.split(",") if n]
    identifiers = tuple(_c_identifier(n) for n in names)
    if len(identifiers) != count or len(set(identifiers)) != count:
        return ()
    return identifiers


# Names a parameter must not take: C's keywords and what <stdint.h> defines.
_RESERVED = frozenset("""auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Complex _Imaginary bool true false""".split()) | {
    f"{prefix}int{bits}{suffix}" for prefix in ("", "u") for bits in ("8", "16", "32", "64", "ptr", "max")
    for suffix in ("_t",)} | {f"{p}INT{b}_{m}" for p in ("", "U") for b in ("8", "16", "32", "64")
                              for m in ("MIN", "MAX")}


def _c_identifier(name: str) -> str:
    """`name` with every character C does not take as '_', made a legal, unreserved parameter."""
    text = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)
    if not text or text[0].isdigit() or text.startswith("__") or (text[0] == "_" and text[1:2].isupper()):
        text = f"t_{text}"
    return f"{text}_" if text in _RESERVED else text


def c_header(functions: Sequence[FunctionSignature], guard: str = "MEMA_KERNELS_H") -> str:
    """One prototype per function; memrefs are bare row-major pointers, read-only ones const."""
    lines = [
        "/* Generated by mema-opt --emit=header. Every matrix argument is a bare pointer to a",
        " * dense row-major array (no MLIR memref descriptor); a matmul accumulates into its",
        " * output (C += A * B), a model's entry writes its outputs. Call from C firmware built for",
        " * the same target. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "#include <stdint.h>",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
    ]
    for function in functions:
        params = ", ".join(
            f"{'' if written else 'const '}{ctype} *{function.parameter(i)}"
            for i, (ctype, written) in enumerate(function.arguments)
        ) or "void"
        lines.append(f"void {function.name}({params});")
    lines += ["#ifdef __cplusplus", "}", "#endif", f"#endif /* {guard} */", ""]
    return "\n".join(lines)
