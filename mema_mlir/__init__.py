"""mema-mlir: MEMA's analytical schedules for int8/int16 matmul on Armv7E-M, as MLIR passes."""

__version__ = "0.1.0"
