// Valid MLIR: a successor list continued on the next line, before its block is defined.
func.func @f(%c: i1, %a: i32) -> i32 {
  cf.cond_br %c,
    ^bb1, ^bb2
^bb1:
  return %a : i32
^bb2:
  return %a : i32
}
