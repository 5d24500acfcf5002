// RUN: not mema-opt %s --split-input-file 2>&1 | FileCheck %s
// RUN: not mema-opt %s --split-input-file --emit=obj 2>&1 | FileCheck %s --check-prefix=OBJ
// OBJ: mema-opt: error: --emit=obj writes one object: it cannot hold several --split-input-file chunks

// Each chunk is parsed in a fresh context: @same may be defined in both. The good chunks are
// printed with `// -----` between them; the bad one reports the line in THIS file.

// CHECK: split-input-file.mlir:[[# @LINE + 12]]:19: error: use of undeclared SSA value name
// CHECK: func.func @same
// CHECK: // -----
// CHECK: func.func @same

func.func @same() {
  return
}

// -----

func.func @bad() {
  %0 = arith.addi %undefined, %undefined : i32
  return
}

// -----

func.func @same() {
  return
}
