// Every error prints `file:line:col: error:` (or one `mema-opt: error:` line) and exits 1.

// A parse error points at the offending line of this file.
// RUN: not mema-opt %S/Inputs/parse-error.mlir 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: parse-error.mlir:4:19: error: use of undeclared SSA value name
// PARSE-NOT: Traceback

// A block label defined twice in a region that MLIR's parser aborts on (it reports the
// redefinition, then crashes destroying the half-built region): refused before parsing with the
// parser's own message, exit 1, no crash (mema_mlir/parse_guard.py).
// RUN: not mema-opt %S/Inputs/redefined-block.mlir -o %t.out 2>&1 | FileCheck %s --check-prefix=REDEF
// RUN: not test -e %t.out
// REDEF: redefined-block.mlir:14:3: error: redefinition of block '^bb0'
// REDEF-NOT: LLVM ERROR

// A malformed block header in a region that defines a value used before, in another region:
// MLIR's parser reports it, then aborts. The parse is tried in a child process first
// (parse_guard.parser_abort): the parser's message, exit 1, no crash, no output file.
// RUN: not mema-opt %S/Inputs/malformed-block-after-forward-use.mlir -o %t.fwd 2>&1 | FileCheck %s --check-prefix=FWD
// RUN: not test -e %t.fwd
// FWD: malformed-block-after-forward-use.mlir:12:40: error: expected ':' after block name
// FWD-NOT: Assertion

// An unknown pass lists ours.
// RUN: not mema-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: mema-opt: error: 'no-such-pass' does not refer to a registered pass or pass pipeline (mema passes: mema-analyze, mema-check-lowering, mema-copies-to-linalg, mema-narrow-shifts, mema-static-buffers, mema-tile, mema-word-copies)

// A bad option of our pass names the pass, the option and what it expects.
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-tile{objective=speed})' 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: mema-opt: error: pass 'mema-tile' option 'objective=speed': expected one of cycles, accesses, energy
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-tile{colour=red})' 2>&1 | FileCheck %s --check-prefix=NOOPT
// NOOPT: mema-opt: error: pass 'mema-tile' has no option 'colour' (options: expand-weights, fuse-requant, objective, schedule, target)
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-tile{schedule=fixed:0x2})' 2>&1 | FileCheck %s --check-prefix=BADSCHED
// BADSCHED: error: pass 'mema-tile': schedule 'fixed:0x2': expected analytic, exhaustive, cmsis-nn, fixed:MRxNR or fixed:MRxNR:AFORM/BFORM[/KEPT] (e.g. fixed:2x2, fixed:2x2:bytes/packed/b) or weight:LINESxKR or input:LINESxKR
// Forcing operand forms that no kernel has lists the ones that exist.
// RUN: not mema-opt %s --mema-schedule=fixed:2x2:bytes/weird 2>&1 | FileCheck %s --check-prefix=BADFORMS
// BADFORMS: mema-opt: error: --mema-schedule: no kernel reads A as 'bytes' and B as 'weird' (A: bytes, elements, halves, pairs; B: elements, packed, strided, words; kept: a, b, ab)

// A bad option of an upstream pass is MLIR's own message.
// RUN: not mema-opt %s --pass-pipeline='builtin.module(canonicalize{bogus=1})' 2>&1 | FileCheck %s --check-prefix=UPSTREAM
// UPSTREAM: mema-opt: error: {{.*}}no such option bogus

// Our passes run on the whole module.
// RUN: not mema-opt %s --pass-pipeline='builtin.module(func.func(mema-tile))' 2>&1 | FileCheck %s --check-prefix=NESTED
// NESTED: mema-opt: error: 'mema-tile' is a mema pass and runs on the whole module

// A malformed pipeline.
// RUN: not mema-opt %s --pass-pipeline='builtin.module(canonicalize' 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: mema-opt: error: pass pipeline, column {{[0-9]+}}: expected ')'

// A missing input file, a bad flag, an unknown target.
// RUN: not mema-opt %S/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: mema-opt: error: cannot open input file '{{.*}}does-not-exist.mlir': no such file
// RUN: not mema-opt %s --no-such-flag 2>&1 | FileCheck %s --check-prefix=FLAG
// FLAG: mema-opt: error: unrecognized arguments: --no-such-flag
// RUN: not mema-opt %s --mema-target=pdp-11 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: mema-opt: error: {{.*}}pdp-11

// A failing pass: the output file is not written.
// RUN: rm -f %t.out
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' -o %t.out 2>&1 | FileCheck %s --check-prefix=FAILED
// RUN: not ls %t.out
// FAILED: errors.mlir:[[# @LINE + 3]]:3: error: mema-tile: cannot apply fixed:2x2: element types f32 x f32 -> f32
// FAILED-NOT: Traceback
func.func @float_matmul(%a: memref<4x8xf32>, %b: memref<8x3xf32>, %c: memref<4x3xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x3xf32>) outs(%c : memref<4x3xf32>)
  return
}
