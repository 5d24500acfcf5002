// An input with a parse error on line 4, column 19.

func.func @f() {
  %x = arith.addi %a, %a : i32
  return
}
