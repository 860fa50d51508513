"""The TensorFlow side: Keras model + data -> optimized Keras model -> fully int8 .tflite.

Reads Keras models (.keras, .h5, SavedModel) and user data (.npz/.npy or a Python
function); runs pruning, clustering and quantization-aware training (tfmot), converts to
int8 and checks float-vs-int8 accuracy. Hands on a .tflite file (and a JSON report) to
`compiler`. The only part that imports TensorFlow, and only inside the functions that
need it.
"""
