// An input with a parse error on line 4, column 22.

func.func @f() {
  %x = arith.addi %a, %a : i32
  return
}
