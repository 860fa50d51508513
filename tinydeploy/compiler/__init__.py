"""The compiler: .tflite -> graph IR -> lowered program -> memory plan -> C sources.

Reads a fully int8 .tflite (flatbuffer, no TensorFlow); hands on a `Compiled` (graph,
program, plan, .tflite bytes) from `compile_model`, the generated C as
{relative_path: text}, and host runs of that C (`predict`, bit-exact with TFLite Micro).
Never imports TensorFlow.
"""
