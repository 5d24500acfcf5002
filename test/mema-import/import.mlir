// mema-import: a TFLite model as static-shape linalg on tensors, batch pinned to 1, the entry
// named after the file; fully-connected layers arrive as 1x1 quantized convolutions.
// RUN: mema-import %S/../../examples/models/ad01_int8.tflite | FileCheck %s --check-prefix=AD
// AD: func.func @ad01_int8(%{{.*}}: tensor<1x640xi8>) -> tensor<1x640xi8>
// AD-COUNT-10: linalg.conv_2d_nhwc_fhwc_q
// AD-NOT: tosa.
// AD-NOT: ?x

// Requantization rounds once, as the LiteRT interpreter does (--rounding=tflite, the default):
// no double-rounding term; --rounding=tosa keeps the converter's DOUBLE_ROUND, whose
// +-2^30 nudge for shifts over 31 shows as these constants.
// RUN: mema-import %S/../../examples/models/ad01_int8.tflite | FileCheck %s --check-prefix=SINGLE
// SINGLE-NOT: 1073741824
// RUN: mema-import %S/../../examples/models/ad01_int8.tflite --rounding=tosa | FileCheck %s --check-prefix=DOUBLE
// DOUBLE: 1073741824

// The keyword-spotting model: convolutions, depthwise convolutions, pooling, softmax; a name.
// RUN: mema-import %S/../../examples/models/kws_ref_model.tflite --name kws -o %t.mlir
// RUN: FileCheck %s --check-prefix=KWS < %t.mlir
// KWS: func.func @kws(%{{.*}}: tensor<1x49x10x1xi8>) -> tensor<1x12xi8>
// KWS-DAG: linalg.conv_2d_nhwc_fhwc_q
// KWS-DAG: linalg.depthwise_conv_2d_nhwc_hwcm_q
// KWS-DAG: linalg.pooling_nhwc_sum

// Errors: one line, exit 1.
// RUN: not mema-import %S/no-such-model.tflite -o %t.none 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: mema-import: error: cannot open {{.*}}no-such-model.tflite: no such file
// RUN: not mema-import %s 2>&1 | FileCheck %s --check-prefix=NOTTFLITE
// NOTTFLITE: mema-import: error: tosa-converter-for-tflite failed on {{.*}}import.mlir
