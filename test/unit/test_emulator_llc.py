"""llc-compiled kernels on the emulator: bit-exact results, counts known from the IR, and the
code-hook counts against Unicorn memory hooks on IT-free output."""

import numpy as np
import pytest

from mema_mlir.emulator import (
    AccessCounts,
    Buffer,
    compile_llvm_ir,
    run_function,
    run_function_memory_hooks,
)

KERNELS_LL = r"""
declare i32 @llvm.arm.smlad(i32, i32, i32)
declare i32 @llvm.arm.sxtb16(i32)
declare i32 @llvm.fshr.i32(i32, i32, i32)

; sum of a[i] * b[i] over n int8 (n may be 0)
define i32 @dot_i8(ptr %a, ptr %b, i32 %n) {
entry:
  %c = icmp sgt i32 %n, 0
  br i1 %c, label %loop, label %exit
loop:
  %i = phi i32 [0, %entry], [%i1, %loop]
  %acc = phi i32 [0, %entry], [%acc1, %loop]
  %pa = getelementptr i8, ptr %a, i32 %i
  %pb = getelementptr i8, ptr %b, i32 %i
  %va = load i8, ptr %pa
  %vb = load i8, ptr %pb
  %sa = sext i8 %va to i32
  %sb = sext i8 %vb to i32
  %m = mul i32 %sa, %sb
  %acc1 = add i32 %acc, %m
  %i1 = add i32 %i, 1
  %d = icmp eq i32 %i1, %n
  br i1 %d, label %exit, label %loop
exit:
  %r = phi i32 [0, %entry], [%acc1, %loop]
  ret i32 %r
}

; the same over m >= 1 words of 4 int8, with SXTB16 (even/odd bytes) and two SMLADs per word
define i32 @dot_smlad(ptr %a, ptr %b, i32 %m) {
entry:
  br label %loop
loop:
  %i = phi i32 [0, %entry], [%i1, %loop]
  %acc = phi i32 [0, %entry], [%acc2, %loop]
  %pa = getelementptr i32, ptr %a, i32 %i
  %pb = getelementptr i32, ptr %b, i32 %i
  %wa = load i32, ptr %pa, align 4
  %wb = load i32, ptr %pb, align 4
  %ae = call i32 @llvm.arm.sxtb16(i32 %wa)
  %be = call i32 @llvm.arm.sxtb16(i32 %wb)
  %ra = call i32 @llvm.fshr.i32(i32 %wa, i32 %wa, i32 8)
  %rb = call i32 @llvm.fshr.i32(i32 %wb, i32 %wb, i32 8)
  %ao = call i32 @llvm.arm.sxtb16(i32 %ra)
  %bo = call i32 @llvm.arm.sxtb16(i32 %rb)
  %acc1 = call i32 @llvm.arm.smlad(i32 %ae, i32 %be, i32 %acc)
  %acc2 = call i32 @llvm.arm.smlad(i32 %ao, i32 %bo, i32 %acc1)
  %i1 = add i32 %i, 1
  %done = icmp eq i32 %i1, %m
  br i1 %done, label %exit, label %loop
exit:
  ret i32 %acc2
}

; C[3][4] (i32) = A[3][5] (i16) x B[5][4] (i16), one store per element of C
define void @matmul(ptr %A, ptr %B, ptr %C) {
entry:
  br label %li
li:
  %i = phi i32 [0, %entry], [%i1, %li.end]
  br label %lj
lj:
  %j = phi i32 [0, %li], [%j1, %lj.end]
  br label %lk
lk:
  %k = phi i32 [0, %lj], [%k1, %lk]
  %acc = phi i32 [0, %lj], [%acc1, %lk]
  %ia = mul i32 %i, 5
  %ia2 = add i32 %ia, %k
  %pa = getelementptr i16, ptr %A, i32 %ia2
  %kb = mul i32 %k, 4
  %kb2 = add i32 %kb, %j
  %pb = getelementptr i16, ptr %B, i32 %kb2
  %va = load i16, ptr %pa
  %vb = load i16, ptr %pb
  %sa = sext i16 %va to i32
  %sb = sext i16 %vb to i32
  %m = mul i32 %sa, %sb
  %acc1 = add i32 %acc, %m
  %k1 = add i32 %k, 1
  %kd = icmp eq i32 %k1, 5
  br i1 %kd, label %lj.end, label %lk
lj.end:
  %ic = mul i32 %i, 4
  %ic2 = add i32 %ic, %j
  %pc = getelementptr i32, ptr %C, i32 %ic2
  store i32 %acc1, ptr %pc
  %j1 = add i32 %j, 1
  %jd = icmp eq i32 %j1, 4
  br i1 %jd, label %li.end, label %lj
li.end:
  %i1 = add i32 %i, 1
  %id = icmp eq i32 %i1, 3
  br i1 %id, label %exit, label %li
exit:
  ret void
}

@table = internal constant [16 x i16] [i16 -32768, i16 32767, i16 0, i16 1, i16 -1, i16 100, i16 -100, i16 7, i16 8, i16 9, i16 10, i16 11, i16 12, i16 13, i16 14, i16 15], align 2

; out[i] = table[idx[i] & 15] for i < n, n >= 1
define void @gather(ptr %idx, ptr %out, i32 %n) {
entry:
  br label %loop
loop:
  %i = phi i32 [0, %entry], [%i1, %loop]
  %pi = getelementptr i8, ptr %idx, i32 %i
  %x = load i8, ptr %pi
  %xm = and i8 %x, 15
  %xe = zext i8 %xm to i32
  %pt = getelementptr [16 x i16], ptr @table, i32 0, i32 %xe
  %v = load i16, ptr %pt
  %po = getelementptr i16, ptr %out, i32 %i
  store i16 %v, ptr %po
  %i1 = add i32 %i, 1
  %d = icmp eq i32 %i1, %n
  br i1 %d, label %exit, label %loop
exit:
  ret void
}

; six arguments: e and f arrive on the stack
define i32 @six(ptr %a, ptr %b, ptr %c, i32 %d, ptr %e, i32 %f) {
  %x = load i32, ptr %a
  %y = load i32, ptr %b
  %s = add i32 %x, %y
  %t = mul i32 %s, %d
  store i32 %t, ptr %c
  %u = sub i32 %t, %f
  store i32 %u, ptr %e
  ret i32 %u
}
"""

TABLE = np.array(
    [-32768, 32767, 0, 1, -1, 100, -100, 7, 8, 9, 10, 11, 12, 13, 14, 15], dtype=np.int16
)


@pytest.fixture(scope="module")
def kernels():
    return compile_llvm_ir(KERNELS_LL)


def _wrap32(value):
    return int((int(value) + 2**31) % 2**32 - 2**31)


def _extreme_i8(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, n).astype(np.int8)
    x[: min(n, 4)] = [-128, 127, -128, 127][: min(n, 4)]
    return x


@pytest.mark.parametrize("n", [0, 1, 7, 64])
def test_dot_i8(kernels, n):
    a, b = _extreme_i8(n, 1), _extreme_i8(n, 2)
    if n >= 4:
        b[:4] = [-128, -128, 127, 127]
    r = run_function(kernels, "dot_i8", [Buffer("a", a), Buffer("b", b, "flash"), n])
    assert r.return_i32 == _wrap32(a.astype(np.int64) @ b.astype(np.int64))
    # One load of each element, by construction of the IR.
    assert r.buffers["a"] == AccessCounts(reads=n, read_bytes=n)
    assert r.buffers["b"] == AccessCounts(reads=n, read_bytes=n)
    assert r.regions["flash"] == AccessCounts(reads=n, read_bytes=n)
    assert r.regions["sram"] == AccessCounts(reads=n, read_bytes=n)
    np.testing.assert_array_equal(r.outputs["a"], a)


@pytest.mark.parametrize("words", [1, 16])
def test_dot_smlad_sxtb16(kernels, words):
    a = _extreme_i8(4 * words, 3)
    b = _extreme_i8(4 * words, 4)
    b[:4] = [-128, 127, 127, -128]
    r = run_function(kernels, "dot_smlad", [Buffer("a", a, "flash"), Buffer("b", b), words])
    assert r.return_i32 == _wrap32(a.astype(np.int64) @ b.astype(np.int64))
    assert r.buffers["a"] == AccessCounts(reads=words, read_bytes=4 * words)
    assert r.buffers["b"] == AccessCounts(reads=words, read_bytes=4 * words)
    assert r.by_class["dsp_mac"] == 2 * words
    assert r.by_class["extend"] == 4 * words


def test_matmul_int16_extremes(kernels):
    rng = np.random.default_rng(5)
    A = rng.integers(-32768, 32768, (3, 5)).astype(np.int16)
    B = rng.integers(-32768, 32768, (5, 4)).astype(np.int16)
    A[0, :] = -32768
    B[:, 0] = -32768  # C[0, 0] = 5 * 2**30 wraps around in int32
    A[1, :2] = 32767
    B[:2, 1] = -32768
    C = np.full((3, 4), 0x5A5A5A5A, dtype=np.int32)
    r = run_function(kernels, "matmul", [Buffer("A", A), Buffer("B", B, "flash"), Buffer("C", C)])
    wide = A.astype(np.int64) @ B.astype(np.int64)
    expected = ((wide + 2**31) % 2**32 - 2**31).astype(np.int32)
    np.testing.assert_array_equal(r.outputs["C"], expected)
    assert r.outputs["C"].dtype == np.int32 and r.outputs["C"].shape == (3, 4)
    assert r.buffers["A"] == AccessCounts(reads=60, read_bytes=120)
    assert r.buffers["B"] == AccessCounts(reads=60, read_bytes=120)
    assert r.buffers["C"] == AccessCounts(writes=12, write_bytes=48)
    # The loop nest's hottest instructions run 3 * 4 * 5 times.
    assert r.hottest(1)[0][1] == 60


def test_constant_table_in_rodata(kernels):
    idx = np.array([0, 1, 2, 3, 4, 5, 6, 255, 17, 128], dtype=np.uint8)
    out = np.zeros(len(idx), dtype=np.int16)
    r = run_function(kernels, "gather", [Buffer("idx", idx), Buffer("out", out), len(idx)])
    np.testing.assert_array_equal(r.outputs["out"], TABLE[idx & 15])
    n = len(idx)
    assert r.buffers[".rodata:table"] == AccessCounts(reads=n, read_bytes=2 * n)
    assert r.buffers["idx"] == AccessCounts(reads=n, read_bytes=n)
    assert r.buffers["out"] == AccessCounts(writes=n, write_bytes=2 * n)
    assert r.regions["flash"] == r.buffers[".rodata:table"]


@pytest.mark.parametrize(("d", "f"), [(3, 5), (-1, -(2**31)), (2**31 - 1, 2**31 - 1)])
def test_arguments_on_the_stack(kernels, d, f):
    a = np.array([2**31 - 1], dtype=np.int32)
    b = np.array([1], dtype=np.int32)
    c = np.zeros(1, dtype=np.int32)
    e = np.zeros(1, dtype=np.int32)
    args = [Buffer("a", a), Buffer("b", b), Buffer("c", c), d, Buffer("e", e), f]
    r = run_function(kernels, "six", args)
    t = _wrap32((2**31 - 1 + 1) * d)
    u = _wrap32(t - f)
    assert r.outputs["c"][0] == t and r.outputs["e"][0] == u and r.return_i32 == u
    # e's pointer and f are read from the caller's frame; the rest is the callee's own frame.
    entry_sp = r.placement["<stack>"].address + r.placement["<stack>"].size - 8
    stack_reads = [
        x
        for x in run_function(kernels, "six", args, record_accesses=True).accesses
        if not x.write and x.address >= entry_sp
    ]
    assert sorted(x.address - entry_sp for x in stack_reads) == [0, 4]


@pytest.mark.parametrize(
    ("function", "make_args"),
    [
        (
            "dot_smlad",
            lambda: [Buffer("a", _extreme_i8(64, 6), "flash"), Buffer("b", _extreme_i8(64, 7)), 16],
        ),
        (
            "gather",
            lambda: [
                Buffer("idx", np.arange(40, dtype=np.uint8)),
                Buffer("out", np.zeros(40, np.int16)),
                40,
            ],
        ),
        (
            "six",
            lambda: [
                Buffer("a", np.array([5], np.int32)),
                Buffer("b", np.array([6], np.int32)),
                Buffer("c", np.zeros(1, np.int32)),
                7,
                Buffer("e", np.zeros(1, np.int32)),
                8,
            ],
        ),
    ],
)
def test_code_hook_counts_equal_memory_hook_counts(kernels, function, make_args):
    a = run_function(kernels, function, make_args(), record_accesses=True)
    b = run_function_memory_hooks(kernels, function, make_args())
    assert "it" not in a.by_class  # the cross-check is only meaningful on IT-free code
    assert a.accesses == b.accesses
    assert a.traffic == b.traffic
    assert a.instructions == b.instructions
    assert a.r0 == b.r0
    for name in a.outputs:
        np.testing.assert_array_equal(a.outputs[name], b.outputs[name])
