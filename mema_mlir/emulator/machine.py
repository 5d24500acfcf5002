"""Run one function of an llc object on an emulated Cortex-M4 and count what it does.

Unicorn executes; counting happens in a UC_HOOK_CODE callback that decodes each instruction
(cached by address) and computes its data accesses from its operands and the registers before
it runs. Memory hooks are deliberately not used for counting: in Unicorn 2.1.x a memory hook
corrupts IT-block state (a later predicated instruction then runs under the wrong condition).
`run_function_memory_hooks` counts with memory hooks anyway, for tests that cross-check the two
methods on IT-free code.

Unicorn does not call the code hook for an instruction skipped inside an IT block (condition
false), so skipped instructions are recognised as the IT-block slots between two hooks.
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from unicorn import (
    UC_ARCH_ARM,
    UC_HOOK_CODE,
    UC_HOOK_MEM_READ,
    UC_HOOK_MEM_WRITE,
    UC_MEM_WRITE,
    UC_MODE_MCLASS,
    UC_MODE_THUMB,
    Uc,
    UcError,
)
from unicorn import arm_const as uca

from mema_mlir.emulator.accesses import SP, Access
from mema_mlir.emulator.decode import Decoded, Decoder, condition_passed
from mema_mlir.emulator.elf_loader import FLASH_BASE, SRAM_BASE, LoadedImage, load_elf
from mema_mlir.emulator.errors import (
    EmulationError,
    InstructionLimitError,
    MemoryAccessError,
)
from mema_mlir.emulator.timing import (
    SINGLE_LOAD_STORE,
    TAKEN_PENALTY,
    InstrClass,
    instruction_cycles,
)

RegionName = Literal["flash", "sram"]

# Architectural register number -> Unicorn register id.
_UC_REGS: tuple[int, ...] = tuple(getattr(uca, f"UC_ARM_REG_R{n}") for n in range(13)) + (
    uca.UC_ARM_REG_SP,
    uca.UC_ARM_REG_LR,
    uca.UC_ARM_REG_PC,
)
_CALLEE_SAVED = range(4, 12)
_PAGE = 0x1000
_BUFFER_ALIGN = 8
# Unallocated bytes kept below the stack, so that an overflow hits nothing and is reported.
_STACK_GUARD = 1024
_SENTINEL_CODE = bytes.fromhex("fee700bf")  # `b .` then `nop`: never executed, emulation stops
_DEFAULT_MAX_INSTRUCTIONS = 20_000_000


@dataclass(frozen=True)
class MemoryConfig:
    """The memory map. Sizes are minimums: mappings grow to fit the object and buffers."""

    flash_base: int = FLASH_BASE
    flash_size: int = 1 << 20
    sram_base: int = SRAM_BASE
    sram_size: int = 256 << 10
    stack_size: int = 16 << 10


@dataclass(frozen=True, eq=False)
class Buffer:
    """An array argument: copied into `region`, passed as a pointer, read back after the run."""

    name: str
    data: np.ndarray
    region: RegionName = "sram"


@dataclass(frozen=True)
class Placement:
    """Where something was put: [address, address + size) in `region`."""

    address: int
    size: int
    region: str


@dataclass(frozen=True)
class AccessCounts:
    """Data accesses (one per word for LDM/STM/LDRD/STRD) and the bytes they moved."""

    reads: int = 0
    writes: int = 0
    read_bytes: int = 0
    write_bytes: int = 0

    def __add__(self, other: AccessCounts) -> AccessCounts:
        return AccessCounts(
            self.reads + other.reads,
            self.writes + other.writes,
            self.read_bytes + other.read_bytes,
            self.write_bytes + other.write_bytes,
        )


@dataclass(frozen=True)
class MemoryTraffic:
    """Counted data traffic.

    `buffers`: every argument buffer (touched or not) and every touched piece of the object's
    own data, named "<section>" or "<section>:<symbol>" (e.g. ".rodata:table", ".text" for
    literal pools). `regions`: totals for "flash", "sram" (stack excluded) and "stack".
    """

    buffers: dict[str, AccessCounts]
    regions: dict[str, AccessCounts]

    @property
    def stack(self) -> AccessCounts:
        """Accesses inside the stack region."""
        return self.regions["stack"]


@dataclass(frozen=True)
class RunResult:
    """Everything one run measured. Cycle figures are estimates from the timing table."""

    r0: int  # return value register, unsigned 32-bit
    r1: int
    outputs: dict[str, np.ndarray]
    traffic: MemoryTraffic
    instructions: int  # executed, IT-skipped ones excluded
    by_class: dict[str, int]  # executed instructions per InstrClass value
    cycles: int  # estimated (timing table), IT-skipped instructions included
    it_skipped: int
    taken_transfers: int
    unaligned_accesses: int  # allowed single LDR/STR(H) ones; their extra cycles are not modelled
    exec_counts: dict[int, int]  # address -> times executed
    cycles_at: dict[int, int]  # address -> est. cycles charged to it over the run
    disassembly: dict[int, str]  # address -> text, for every executed address
    placement: dict[str, Placement]  # buffers, object sections, "<stack>", "<return>"
    image: LoadedImage
    stack_bytes_used: int  # deepest stack access below the entry frame's top
    accesses: list[Access] | None = None  # every data access in order, if recorded

    @property
    def return_i32(self) -> int:
        """r0 read as a signed 32-bit integer."""
        return self.r0 - (1 << 32) if self.r0 & 0x8000_0000 else self.r0

    @property
    def buffers(self) -> dict[str, AccessCounts]:
        """Shorthand for traffic.buffers."""
        return self.traffic.buffers

    @property
    def regions(self) -> dict[str, AccessCounts]:
        """Shorthand for traffic.regions."""
        return self.traffic.regions

    @property
    def stack(self) -> AccessCounts:
        """Shorthand for traffic.stack."""
        return self.traffic.stack

    def hottest(self, n: int = 10) -> list[tuple[int, int, str]]:
        """The `n` most executed addresses as (address, count, disassembly), hottest first."""
        ranked = sorted(self.exec_counts.items(), key=lambda item: (-item[1], item[0]))
        return [(address, count, self.disassembly[address]) for address, count in ranked[:n]]


@dataclass(frozen=True)
class CrossCheckResult:
    """What the memory-hook runner measures (only for cross-checking in tests)."""

    r0: int
    outputs: dict[str, np.ndarray]
    traffic: MemoryTraffic
    instructions: int
    accesses: list[Access]  # every data access in order, as Unicorn reported it


# ---- memory areas: who owns each address --------------------------------------------------


@dataclass(frozen=True)
class _Area:
    start: int
    end: int
    name: str
    region: str  # "flash", "sram" or "stack"
    writable: bool


class _AreaMap:
    """Sorted, disjoint areas; maps an access to the one area that contains it entirely."""

    def __init__(self, areas: list[_Area], *, strict: bool) -> None:
        self.areas = sorted((a for a in areas if a.end > a.start), key=lambda a: a.start)
        for left, right in zip(self.areas, self.areas[1:], strict=False):
            if right.start < left.end:
                raise AssertionError(f"overlapping areas {left.name} and {right.name}")
        self.starts = [a.start for a in self.areas]
        self.strict = strict
        self.counts: list[list[int]] = [[0, 0, 0, 0] for _ in self.areas]
        self._outside: dict[str, int] = {}

    def find(self, address: int, size: int) -> int:
        i = bisect.bisect_right(self.starts, address) - 1
        if i >= 0 and address + size <= self.areas[i].end:
            return i
        return self._stray(address, size, i)

    def _stray(self, address: int, size: int, i: int) -> int:
        near = self.areas[i].name if i >= 0 else "nothing"
        message = (
            f"data access of {size} byte(s) at {address:#010x} is not inside any buffer, "
            f"section or the stack (nearest area below: {near})"
        )
        if self.strict:
            raise MemoryAccessError(message)
        name = f"<outside {near}>"
        if name not in self._outside:
            region = self.areas[i].region if i >= 0 else "sram"
            self._outside[name] = len(self.areas)
            self.areas.append(_Area(address, address, name, region, True))
            self.counts.append([0, 0, 0, 0])
        return self._outside[name]

    def count(self, address: int, size: int, write: bool, where: object) -> None:
        """Count one access; `where` (shown in errors) is the instruction or a description."""
        i = self.find(address, size)
        c = self.counts[i]
        if write:
            if not self.areas[i].writable:
                area = self.areas[i]
                raise MemoryAccessError(
                    f"store of {size} byte(s) to {address:#010x} in read-only {area.region} "
                    f"area {area.name} (by {where})"
                )
            c[1] += 1
            c[3] += size
        else:
            c[0] += 1
            c[2] += size

    def traffic(self, buffer_names: Sequence[str]) -> MemoryTraffic:
        buffers: dict[str, AccessCounts] = {name: AccessCounts() for name in buffer_names}
        regions = {name: AccessCounts() for name in ("flash", "sram", "stack")}
        for area, c in zip(self.areas, self.counts, strict=True):
            counts = AccessCounts(*c)
            regions[area.region] = regions[area.region] + counts
            if area.region == "stack" or area.name in buffers:
                if area.name in buffers:
                    buffers[area.name] = buffers[area.name] + counts
                continue
            if counts != AccessCounts():
                buffers[area.name] = buffers.get(area.name, AccessCounts()) + counts
        return MemoryTraffic(buffers=buffers, regions=regions)


def _object_areas(image: LoadedImage) -> list[_Area]:
    """The object's sections, split by its data symbols (the smallest named one wins)."""
    areas: list[_Area] = []
    for section in image.sections:
        symbols = [
            s
            for s in image.symbols.values()
            if s.kind == "object" and s.size > 0 and s.section == section.name
        ]
        points = {section.address, section.end}
        for s in symbols:
            points.update((s.address, s.address + s.size))
        cuts = sorted(p for p in points if section.address <= p <= section.end)
        pieces: list[_Area] = []
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            owners = [s for s in symbols if s.address <= lo and hi <= s.address + s.size]
            best = min(owners, key=lambda s: (s.name.startswith(".L"), s.size), default=None)
            name = f"{section.name}:{best.name}" if best else section.name
            if pieces and pieces[-1].name == name and pieces[-1].end == lo:
                pieces[-1] = _Area(pieces[-1].start, hi, name, section.region, section.writable)
            else:
                pieces.append(_Area(lo, hi, name, section.region, section.writable))
        areas.extend(pieces)
    return areas


# ---- session: the machine set up for one call ---------------------------------------------


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def _int_arg(value: int) -> int:
    value = int(value)
    if not -(1 << 31) <= value < (1 << 32):
        raise ValueError(f"integer argument {value} does not fit in 32 bits")
    return value & 0xFFFF_FFFF


class _Session:
    """Unicorn with the object, buffers, stack and argument registers in place."""

    def __init__(
        self,
        obj: bytes,
        function: str,
        args: Sequence[Buffer | int],
        memory: MemoryConfig,
        strict: bool,
    ) -> None:
        self.image = image = load_elf(obj, flash_base=memory.flash_base, sram_base=memory.sram_base)
        entry = image.function_address(function)
        buffers = [a for a in args if isinstance(a, Buffer)]
        names = [b.name for b in buffers]
        for b in buffers:
            if not b.name or b.name[0] in ".<":
                raise ValueError(f"buffer name {b.name!r} must be non-empty, not start with . or <")
            if b.region not in ("flash", "sram"):
                raise ValueError(f"buffer {b.name}: region must be 'flash' or 'sram'")
            if b.data.dtype.byteorder == ">":
                raise ValueError(f"buffer {b.name}: big-endian dtype {b.data.dtype}")
        if len(set(names)) != len(names):
            raise ValueError(f"buffer names must be unique: {names}")
        self.buffers = buffers

        # Layout: object sections, then (flash) the return sentinel, then buffers; the stack
        # sits at the top of SRAM.
        self.placement: dict[str, Placement] = {
            s.name: Placement(s.address, s.size, s.region) for s in image.sections
        }
        flash_cursor = _align(image.flash_end, _BUFFER_ALIGN)
        self.sentinel = flash_cursor
        self.placement["<return>"] = Placement(self.sentinel, len(_SENTINEL_CODE), "flash")
        flash_cursor += len(_SENTINEL_CODE)
        sram_cursor = image.sram_end
        cursors = {"flash": flash_cursor, "sram": sram_cursor}
        for b in buffers:
            address = _align(cursors[b.region], _BUFFER_ALIGN)
            self.placement[b.name] = Placement(address, b.data.nbytes, b.region)
            cursors[b.region] = address + b.data.nbytes
        flash_size = max(
            _align(memory.flash_size, _PAGE), _align(cursors["flash"] - memory.flash_base, _PAGE)
        )
        sram_needed = (
            _align(cursors["sram"] - memory.sram_base, _BUFFER_ALIGN)
            + _STACK_GUARD
            + memory.stack_size
        )
        sram_size = max(_align(memory.sram_size, _PAGE), _align(sram_needed, _PAGE))
        if memory.flash_base + flash_size > memory.sram_base:
            raise ValueError("flash mapping would overlap SRAM; lower the flash size")
        self.stack_top = memory.sram_base + sram_size
        self.stack_base = self.stack_top - memory.stack_size
        self.placement["<stack>"] = Placement(self.stack_base, memory.stack_size, "sram")

        areas = _object_areas(image)
        areas.append(
            _Area(self.sentinel, self.sentinel + len(_SENTINEL_CODE), "<return>", "flash", False)
        )
        for b in buffers:
            p = self.placement[b.name]
            areas.append(_Area(p.address, p.address + p.size, b.name, b.region, b.region == "sram"))
        areas.append(_Area(self.stack_base, self.stack_top, "<stack>", "stack", True))
        self.areas = _AreaMap(areas, strict=strict)

        # Unicorn: the Cortex-M4 model in Thumb M-class mode.
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
        uc.ctl_set_cpu_model(uca.UC_CPU_ARM_CORTEX_M4)
        uc.mem_map(memory.flash_base, flash_size)
        uc.mem_map(memory.sram_base, sram_size)
        for s in image.sections:
            uc.mem_write(s.address, s.data)
        uc.mem_write(self.sentinel, _SENTINEL_CODE)
        for b in buffers:
            uc.mem_write(self.placement[b.name].address, np.ascontiguousarray(b.data).tobytes())
        self.uc = uc

        # AAPCS: the first four words in r0-r3, the rest on the stack; SP 8-byte aligned.
        words = [
            self.placement[a.name].address if isinstance(a, Buffer) else _int_arg(a) for a in args
        ]
        stacked = words[4:]
        self.entry_sp = self.stack_top - _align(4 * len(stacked), 8)
        for i, word in enumerate(stacked):
            uc.mem_write(self.entry_sp + 4 * i, word.to_bytes(4, "little"))
        for i, word in enumerate(words[:4]):
            uc.reg_write(_UC_REGS[i], word)
        self.callee_saved = {n: 0xC0DE_0000 + n for n in _CALLEE_SAVED}
        for n, value in self.callee_saved.items():
            uc.reg_write(_UC_REGS[n], value)
        uc.reg_write(uca.UC_ARM_REG_SP, self.entry_sp)
        uc.reg_write(uca.UC_ARM_REG_LR, self.sentinel | 1)
        self.entry = entry

    def start(self, describe_last: Callable[[], str]) -> None:
        """Run from the entry until the return sentinel; check the AAPCS contract after."""
        uc = self.uc
        try:
            uc.emu_start(self.entry | 1, self.sentinel)
        except UcError as exc:
            pc = uc.reg_read(uca.UC_ARM_REG_PC)
            raise EmulationError(
                f"Unicorn stopped with '{exc}' at pc={pc:#010x}; last instruction: {describe_last()}"
            ) from exc
        pc = uc.reg_read(uca.UC_ARM_REG_PC)
        if pc != self.sentinel:
            raise EmulationError(f"emulation stopped at {pc:#010x}, not at the return address")
        sp = uc.reg_read(uca.UC_ARM_REG_SP)
        if sp != self.entry_sp:
            raise EmulationError(f"SP on return is {sp:#x}, expected {self.entry_sp:#x} (AAPCS)")
        for n, value in self.callee_saved.items():
            if uc.reg_read(_UC_REGS[n]) != value:
                raise EmulationError(f"callee-saved r{n} not preserved (AAPCS)")

    def outputs(self) -> dict[str, np.ndarray]:
        """Every buffer read back, same dtype and shape as passed in."""
        result = {}
        for b in self.buffers:
            p = self.placement[b.name]
            raw = bytes(self.uc.mem_read(p.address, p.size))
            result[b.name] = np.frombuffer(raw, dtype=b.data.dtype).reshape(b.data.shape).copy()
        return result

    def reg(self, n: int) -> int:
        """Architectural register n."""
        return self.uc.reg_read(_UC_REGS[n])


# ---- the code-hook tracer -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Step:
    """What the hook needs per static instruction, precomputed once (the hook is hot)."""

    decoded: Decoded
    cls: InstrClass
    cls_name: str
    single_ls: bool
    has_accesses: bool
    address_regs: tuple[int, ...]
    load_dest: int
    cycles: int  # as the table gives it when not pipelined and not taken
    cycles_pipelined: int  # single load/store after a single load/store, no dependency


class _Tracer:
    """Per-instruction bookkeeping for the code hook: IT blocks, taken transfers, timing."""

    def __init__(self, session: _Session, max_instructions: int, record: bool) -> None:
        self.session = session
        self.recorded: list[Access] | None = [] if record else None
        self.uc = session.uc
        self.areas = session.areas
        self.decoder = Decoder()
        self.steps: dict[int, _Step] = {}
        self.max_instructions = max_instructions
        self.prev: Decoded | None = None
        self.it_queue: deque[tuple[Decoded, int]] = deque()
        self.after_single_ls = False
        self.last_load_dest = -1
        self.instructions = 0
        self.cycles = 0
        self.it_skipped = 0
        self.taken = 0
        self.unaligned = 0
        self.class_counts: Counter[str] = Counter()
        self.exec_counts: Counter[int] = Counter()
        # Cycles charged to each address (its own cost, a taken branch's refill, IT-skipped
        # slots after it): lets callers time one loop of the trace.
        self.cycles_at: Counter[int] = Counter()
        self._prev_address = -1
        self._cycles_mark = 0
        self.stack_low = session.stack_top
        read = self.uc.reg_read
        self.read_reg: Callable[[int], int] = lambda n: read(_UC_REGS[n])

    def decode_at(self, address: int) -> Decoded:
        decoded = self.decoder.cached(address)
        if decoded is None:
            decoded = self.decoder.decode(bytes(self.uc.mem_read(address, 4)), address)
        return decoded

    def step_at(self, address: int, size: int) -> _Step:
        decoded = self.decode_at(address)
        if decoded.size != size:
            raise EmulationError(
                f"{address:#x}: Unicorn sees a {size}-byte instruction, Capstone {decoded.size}"
            )
        cls = decoded.cls
        plan = decoded.plan
        single = cls in SINGLE_LOAD_STORE
        step = _Step(
            decoded=decoded,
            cls=cls,
            cls_name=cls.value,
            single_ls=single,
            has_accesses=plan.kind != "none",
            address_regs=plan.address_registers,
            load_dest=plan.load_dest,
            cycles=instruction_cycles(cls, registers=decoded.registers),
            cycles_pipelined=(
                instruction_cycles(cls, after_single_load_store=True) if single else 0
            ),
        )
        self.steps[address] = step
        return step

    def describe_last(self) -> str:
        return f"{self.prev.address:#x}: {self.prev.text}" if self.prev else "none"

    def _skip(self, decoded: Decoded) -> None:
        self.it_skipped += 1
        self.cycles += instruction_cycles(decoded.cls, skipped=True)
        self.after_single_ls = False
        self.last_load_dest = -1

    def _advance(self, next_address: int) -> None:
        """Settle the previous instruction now that the next executed address is known."""
        prev = self.prev
        assert prev is not None
        expected = prev.fallthrough
        queue = self.it_queue
        while queue and next_address != expected and queue[0][0].address == expected:
            skipped, _cond = queue.popleft()
            self._skip(skipped)
            expected = skipped.fallthrough
        if next_address == expected:
            taken = prev.always_taken
        elif prev.control:
            if queue:
                raise EmulationError(
                    f"{prev.address:#x} ({prev.text}) left its IT block before the block's end"
                )
            taken = True
        else:
            raise EmulationError(
                f"control went from {prev.address:#x} ({prev.text}) to {next_address:#x}, "
                f"expected {expected:#x}: an exception or an unmodelled control transfer"
            )
        if taken:
            self.cycles += TAKEN_PENALTY
            self.taken += 1

    def _enter_it_slot(self, uc: Uc, decoded: Decoded) -> None:
        """The hook reached the next slot of the open IT block: check and consume it."""
        slot, cond = self.it_queue[0]
        if slot.address != decoded.address:
            raise EmulationError(
                f"{decoded.address:#x} executed while the IT block expected {slot.address:#x}"
            )
        self.it_queue.popleft()
        # Unicorn calls the hook only for IT-block instructions that execute; check that the
        # flags agree, so a change of that behaviour cannot go unnoticed.
        if not condition_passed(cond, uc.reg_read(uca.UC_ARM_REG_XPSR)):
            raise EmulationError(
                f"{decoded.address:#x} ({decoded.text}) reached the code hook although its IT "
                "condition is false"
            )

    def _open_it_block(self, decoded: Decoded) -> None:
        if self.it_queue:
            raise EmulationError(f"{decoded.address:#x}: IT inside an IT block")
        slot_address = decoded.fallthrough
        for cond in decoded.it_conds:
            slot = self.decode_at(slot_address)
            self.it_queue.append((slot, cond))
            slot_address = slot.fallthrough

    def _count_accesses(self, decoded: Decoded) -> None:
        areas = self.areas
        stack_base = self.session.stack_base
        accesses = decoded.plan.compute(self.read_reg)
        if self.recorded is not None:
            self.recorded.extend(accesses)
        plan = decoded.plan
        sp_based = plan.base == SP
        for access in accesses:
            address = access.address
            if address % access.size:
                if plan.kind == "multiple" or plan.count == 2:
                    raise MemoryAccessError(
                        f"{decoded}: unaligned word access at {address:#010x}; LDRD/STRD/LDM/STM "
                        "need word alignment (a Cortex-M4 raises a UsageFault)"
                    )
                self.unaligned += 1
            if sp_based and address < stack_base:
                raise MemoryAccessError(
                    f"stack overflow: {decoded} accesses {address:#010x}, below the "
                    f"{self.session.stack_top - stack_base}-byte stack at {stack_base:#010x}"
                )
            areas.count(address, access.size, access.write, decoded)
            if stack_base <= address < self.stack_low:
                self.stack_low = address

    def hook(self, uc: Uc, address: int, size: int, _user: object) -> None:
        """UC_HOOK_CODE callback: runs before the instruction at `address` executes."""
        step = self.steps.get(address) or self.step_at(address, size)
        decoded = step.decoded
        if self.prev is not None:
            self._advance(address)
            self._charge_previous()
        if self.it_queue:
            self._enter_it_slot(uc, decoded)
        if step.cls is InstrClass.IT:
            self._open_it_block(decoded)
        if step.has_accesses:
            self._count_accesses(decoded)
        if step.single_ls:
            pipelined = self.after_single_ls and self.last_load_dest not in step.address_regs
            self.cycles += step.cycles_pipelined if pipelined else step.cycles
            self.after_single_ls = True
            self.last_load_dest = step.load_dest
        else:
            self.cycles += step.cycles
            self.after_single_ls = False
            self.last_load_dest = -1
        self.instructions += 1
        self.class_counts[step.cls_name] += 1
        self.exec_counts[address] += 1
        self.prev = decoded
        self._prev_address = address
        if self.instructions > self.max_instructions:
            raise InstructionLimitError(
                f"more than {self.max_instructions} instructions executed; last at {address:#x}"
            )

    def _charge_previous(self) -> None:
        self.cycles_at[self._prev_address] += self.cycles - self._cycles_mark
        self._cycles_mark = self.cycles

    def finish(self) -> None:
        """Settle the last instruction (the return) and any IT slots skipped at the end."""
        if self.prev is None:
            raise EmulationError("no instruction executed")
        self._advance(self.session.sentinel)
        self._charge_previous()
        if self.it_queue:
            raise EmulationError("returned inside an IT block")


def run_function(
    obj: bytes,
    function: str,
    args: Sequence[Buffer | int],
    *,
    memory: MemoryConfig | None = None,
    max_instructions: int = _DEFAULT_MAX_INSTRUCTIONS,
    strict: bool = True,
    record_accesses: bool = False,
) -> RunResult:
    """Call `function` of relocatable object `obj` with AAPCS arguments and count everything.

    `args` are Buffers (copied in, passed as pointers, read back into RunResult.outputs) and
    32-bit integers, in parameter order. With `strict`, a data access outside every buffer,
    object section and the stack raises MemoryAccessError; otherwise it is counted under an
    "<outside ...>" pseudo-buffer. A store to flash always raises. `record_accesses` keeps
    every access in order in RunResult.accesses (memory grows with the run).
    """
    session = _Session(obj, function, args, memory or MemoryConfig(), strict)
    tracer = _Tracer(session, max_instructions, record_accesses)
    session.uc.hook_add(UC_HOOK_CODE, tracer.hook)
    session.start(tracer.describe_last)
    tracer.finish()
    disassembly = {a: tracer.steps[a].decoded.text for a in tracer.exec_counts}
    return RunResult(
        r0=session.reg(0),
        r1=session.reg(1),
        outputs=session.outputs(),
        traffic=session.areas.traffic([b.name for b in session.buffers]),
        instructions=tracer.instructions,
        by_class=dict(tracer.class_counts),
        cycles=tracer.cycles,
        it_skipped=tracer.it_skipped,
        taken_transfers=tracer.taken,
        unaligned_accesses=tracer.unaligned,
        exec_counts=dict(tracer.exec_counts),
        cycles_at=dict(tracer.cycles_at),
        disassembly=disassembly,
        placement=dict(session.placement),
        image=session.image,
        stack_bytes_used=session.stack_top - tracer.stack_low,
        accesses=tracer.recorded,
    )


def run_function_memory_hooks(
    obj: bytes,
    function: str,
    args: Sequence[Buffer | int],
    *,
    memory: MemoryConfig | None = None,
    max_instructions: int = _DEFAULT_MAX_INSTRUCTIONS,
    strict: bool = True,
) -> CrossCheckResult:
    """Like run_function, but count accesses with Unicorn memory hooks (tests only).

    Only valid on IT-free code: Unicorn 2.1.x memory hooks corrupt IT-block state, so this
    refuses to run past an IT instruction.
    """
    session = _Session(obj, function, args, memory or MemoryConfig(), strict)
    decoder = Decoder()
    executed = [0]
    last = ["none"]
    recorded: list[Access] = []

    def on_code(uc: Uc, address: int, size: int, _user: object) -> None:
        decoded = decoder.cached(address) or decoder.decode(bytes(uc.mem_read(address, 4)), address)
        if decoded.cls is InstrClass.IT:
            raise EmulationError(
                f"{address:#x}: IT block; memory hooks corrupt IT state in Unicorn 2.1.x"
            )
        executed[0] += 1
        last[0] = f"{address:#x}: {decoded.text}"
        if executed[0] > max_instructions:
            raise InstructionLimitError(f"more than {max_instructions} instructions executed")

    def on_memory(uc: Uc, access: int, address: int, size: int, _value: int, _user: object) -> None:
        write = access == UC_MEM_WRITE
        recorded.append(Access(address, size, write))
        session.areas.count(address, size, write, last[0])

    session.uc.hook_add(UC_HOOK_CODE, on_code)
    session.uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_memory)
    session.start(lambda: last[0])
    return CrossCheckResult(
        r0=session.reg(0),
        outputs=session.outputs(),
        traffic=session.areas.traffic([b.name for b in session.buffers]),
        instructions=executed[0],
        accesses=recorded,
    )


__all__ = [
    "AccessCounts",
    "Buffer",
    "CrossCheckResult",
    "MemoryConfig",
    "MemoryTraffic",
    "Placement",
    "RunResult",
    "run_function",
    "run_function_memory_hooks",
]
