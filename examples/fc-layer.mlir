// The first fully-connected layer of the MLPerf Tiny anomaly-detection autoencoder as a
// matrix-vector product: M = 128 outputs, N = 1 (batch), K = 640 inputs. Every weight is used
// once, so the layer is load-bound; the tile gives all spare registers to M.
// Here the weights arrive as an argument (a pointer the firmware passes in).
//
//   mema-opt examples/fc-layer.mlir --emit=asm --mema-remarks
func.func @ad_fc0(%weights: memref<128x640xi8>, %input: memref<1x640xi8>, %acc: memref<128x1xi32>) {
  linalg.matmul
    indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%weights, %input : memref<128x640xi8>, memref<1x640xi8>) outs(%acc : memref<128x1xi32>)
  return
}
