
memref.global "private" constant @bias : memref<3xi32> = dense<[-2147483648,2147483647,104005]>
memref.global "private" constant @mult : memref<3xi32> = dense<[1581824319,1623306108,1884596761]>
memref.global "private" constant @shift : memref<3xi8> = dense<[44,51,39]>
memref.global "private" constant @w : memref<3x3x3x4xi8> = dense<[[[[-128,64,86,9],[81,-44,-13,73],[-97,-51,-97,-12]],[[122,-94,-30,-25],[103,-76,0,-61],[-123,64,-113,-57]],[[-1,-4,-99,123],[63,118,-105,57],[-53,10,108,-58]]],[[[57,-87,-46,120],[-21,4,-54,-99],[-20,31,-12,70]],[[-36,28,69,106],[-19,-118,55,7],[95,-11,-34,-113]],[[-11,36,69,90],[-73,23,77,-62],[-40,87,20,2]]],[[[44,2,123,64],[-115,-91,11,81],[-111,46,66,73]],[[95,-79,14,77],[-37,-80,-6,-108],[-72,90,42,92]],[[87,96,-49,-8],[30,-58,107,-127],[86,37,-64,127]]]]>
func.func @qconv(%x: memref<1x4x4x4xi8>, %y: memref<1x2x2x3xi8>, %y2: memref<1x2x2x3xi8>) {
  %k7 = arith.constant 7 : i8
  %w = memref.get_global @w : memref<3x3x3x4xi8>
  %c1_i64 = arith.constant 1 : i64
  %zp = arith.constant -128 : i32
  %lo = arith.constant -128 : i32
  %hi = arith.constant 127 : i32
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  %acc = memref.alloc() : memref<1x2x2x3xi32>
  %bias = memref.get_global @bias : memref<3xi32>
  %mult = memref.get_global @mult : memref<3xi32>
  %shift = memref.get_global @shift : memref<3xi8>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<3xi32>) outs(%acc : memref<1x2x2x3xi32>) {
  ^bb0(%b: i32, %o: i32):
    linalg.yield %b : i32
  }
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x4x4x4xi8>, memref<3x3x3x4xi8>, i32, i32) outs(%acc : memref<1x2x2x3xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %mult, %shift : memref<1x2x2x3xi32>, memref<3xi32>, memref<3xi8>) outs(%y, %y2 : memref<1x2x2x3xi8>, memref<1x2x2x3xi8>) {
  ^bb0(%in: i32, %m: i32, %s: i8, %out: i8, %out2: i8):
    %a = arith.extsi %in : i32 to i64
    %mm = arith.extsi %m : i32 to i64
    %p = arith.muli %a, %mm : i64
    %sh = arith.extui %s : i8 to i64
    %u = arith.shli %c1_i64, %sh : i64
    %h = arith.shrui %u, %c1_i64 : i64
    %r = arith.addi %p, %h : i64
    %t = arith.shrsi %r, %sh : i64
    %v = arith.trunci %t : i64 to i32
    %z = arith.addi %v, %zp : i32
    %c = arith.maxsi %z, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %e = arith.trunci %d : i32 to i8
    linalg.yield %e, %k7 : i8, i8
  }
  memref.dealloc %acc : memref<1x2x2x3xi32>
  return
}

