#!/usr/bin/python3
"""Writes the small ONNX files of the tests (run once with Debian's python3-onnx; the outputs are
committed): tests/data/onnx/tiny_*.onnx (valid) and tests/data/bad/workload_onnx_*.onnx (each
refused with exit 2 by `stems inspect`)."""
import os
import onnx
from onnx import TensorProto, helper

here = os.path.dirname(os.path.abspath(__file__))
bad = os.path.join(here, "..", "bad")


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def weight(name, dims):
    return helper.make_tensor(name, TensorProto.FLOAT, dims, [0.5] * _prod(dims))


def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


def model(nodes, inputs, outputs, value_info, inits, name):
    g = helper.make_graph(nodes, name, inputs, outputs, value_info=value_info, initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def tiny_net():
    """conv 3->8 (3x3 s1 p1) -> relu -> depthwise 8 (3x3 s2 p1) -> conv 1x1 8->16 -> add with a
    grouped conv (G=2) of the same input -> global avg pool -> flatten -> gemm 16->10 -> matmul."""
    n = [
        helper.make_node("Conv", ["x", "w0"], ["c0"], name="conv0", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
        helper.make_node("Conv", ["r0", "w1"], ["c1"], name="dw1", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[2, 2], group=8),
        helper.make_node("Conv", ["c1", "w2"], ["c2"], name="pw2", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["c1", "w3"], ["c3"], name="grouped3", kernel_shape=[1, 1], group=2),
        helper.make_node("Add", ["c2", "c3"], ["a4"], name="add4"),
        helper.make_node("GlobalAveragePool", ["a4"], ["p5"], name="gap5"),
        helper.make_node("Flatten", ["p5"], ["f6"], name="flatten6"),
        helper.make_node("Gemm", ["f6", "w7"], ["g7"], name="fc7", transB=1),
        helper.make_node("MatMul", ["g7", "w8"], ["y"], name="mm8"),
    ]
    inits = [weight("w0", [8, 3, 3, 3]), weight("w1", [8, 1, 3, 3]), weight("w2", [16, 8, 1, 1]),
             weight("w3", [16, 4, 1, 1]), weight("w7", [10, 16]), weight("w8", [10, 4])]
    info = [vi("c0", [1, 8, 16, 16]), vi("r0", [1, 8, 16, 16]), vi("c1", [1, 8, 8, 8]),
            vi("c2", [1, 16, 8, 8]), vi("c3", [1, 16, 8, 8]), vi("a4", [1, 16, 8, 8]),
            vi("p5", [1, 16, 1, 1]), vi("f6", [1, 16]), vi("g7", [1, 10])]
    return model(n, [vi("x", [1, 3, 16, 16])], [vi("y", [1, 4])], info, inits, "tiny_net")


def save(m, path):
    onnx.save(m, path)
    print("wrote", os.path.relpath(path, here))


def main():
    good = tiny_net()
    onnx.checker.check_model(good)
    save(good, os.path.join(here, "tiny_net.onnx"))
    data = good.SerializeToString()
    with open(os.path.join(bad, "workload_onnx_truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(bad, "workload_onnx_text.onnx"), "w") as f:
        f.write("this is not an ONNX model\n")
    # An op stems does not know.
    m = tiny_net()
    m.graph.node[1].op_type = "Sigmoid"
    save(m, os.path.join(bad, "workload_onnx_unsupported_op.onnx"))
    # A symbolic (dynamic) batch size in the graph input.
    m = tiny_net()
    m.graph.input[0].type.tensor_type.shape.dim[0].ClearField("dim_value")
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    save(m, os.path.join(bad, "workload_onnx_dynamic_shape.onnx"))
    # Two data inputs.
    m = tiny_net()
    m.graph.input.append(vi("x2", [1, 3, 16, 16]))
    save(m, os.path.join(bad, "workload_onnx_two_inputs.onnx"))
    # A tensor without a shape (no value_info for the conv output).
    m = tiny_net()
    del m.graph.value_info[0]
    save(m, os.path.join(bad, "workload_onnx_missing_shape.onnx"))


if __name__ == "__main__":
    main()
