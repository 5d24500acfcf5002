// A ResNet-8 layer from MLPerf Tiny as a matmul (M = 64 output channels, N = 64 pixels,
// K = 576 = 3x3x64 reduction): weights are a constant in flash, activations arrive as an im2col
// buffer laid out [N, K] (the NHWC order, K-contiguous), outputs accumulate into int32.
// Weights here are a deterministic pattern; real ones come from the model.
//
//   mema-opt examples/conv-layer.mlir --emit=asm --mema-remarks
memref.global "private" constant @resnet8_conv_weights : memref<64x576xi8> = dense<7> {alignment = 4 : i64}

func.func @resnet8_conv(%im2col: memref<64x576xi8>, %acc: memref<64x64xi32>) {
  %w = memref.get_global @resnet8_conv_weights : memref<64x576xi8>
  linalg.matmul
    indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %im2col : memref<64x576xi8>, memref<64x576xi8>) outs(%acc : memref<64x64xi32>)
  return
}
