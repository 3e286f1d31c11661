"""The projection engine: pure numpy over a (world, quarter) grid."""
