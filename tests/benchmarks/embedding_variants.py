"""What bench_ingest.py measures besides the studio's own embedding: other builds of the 8-bit
MiniLM, and the AVX2 code path of onnxruntime on a CPU that has AVX-512.

onnxruntime (MLAS) picks its matrix kernels from CPUID once per process and has no setting or
environment variable to skip AVX-512 or VNNI (onnxruntime/core/mlas/lib/platform.cpp reads
CPUID and XGETBV directly). Linux can make CPUID trap instead (arch_prctl ARCH_SET_CPUID, where
the CPU has "cpuid_fault"), so `avx2_preload` builds a tiny LD_PRELOAD library that answers
CPUID for the process with the AVX-512, AVX-VNNI and AMX bits cleared: onnxruntime then runs its
AVX2 kernels (the ones an AVX2-only EPYC runs), on this machine's cores and caches.

Model variants (all from the same folded float model the studio derives its 8-bit model from):
- ``reduce_range``: 7-bit weights. AVX2 has no VNNI, so MLAS multiplies u8 x s8 pairs with
  VPMADDUBSW, whose 16-bit sums saturate with full-range weights; 7-bit weights cannot saturate.
- ``u8u8``: unsigned weights (MLAS's u8u8 kernel widens to 16 bits: exact, but slower).
- ``lean``: the same weights in a graph written for one unpadded text per run: no attention
  mask, one packed QKV projection per layer in onnxruntime's fused Attention op (QAttention once
  quantised), BiasGelu, plain LayerNormalization; then the studio's dynamic quantisation.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

SHIM = Path(__file__).with_name("cpuid_avx2.c")


def avx2_preload() -> tuple[dict[str, str] | None, str]:
    """Environment variables that make a child process see an AVX2-only CPU, or None and why."""
    flags = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = line
            break
    if " avx512f" not in flags and " avx_vnni" not in flags:
        return {}, "this CPU has no AVX-512 or AVX-VNNI: its own path is the AVX2 path"
    if " cpuid_fault" not in flags:
        return None, "the CPU (or hypervisor) does not offer CPUID faulting"
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None, "no C compiler to build the CPUID shim"
    library = Path(tempfile.mkdtemp(prefix="cpuid_avx2_")) / "cpuid_avx2.so"
    built = subprocess.run(
        [compiler, "-O2", "-shared", "-fPIC", "-o", str(library), str(SHIM)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        return None, f"the CPUID shim did not build: {built.stderr.strip()[:200]}"
    # glibc reads CPUID before the shim loads: its tunables hide the same features from it.
    hidden = "-AVX512F,-AVX512CD,-AVX512BW,-AVX512DQ,-AVX512VL,-AVX_VNNI,-AMX_TILE"
    return {"LD_PRELOAD": str(library), "GLIBC_TUNABLES": f"glibc.cpu.hwcaps={hidden}"}, ""


def _folded(source: Path, work: Path) -> Path:
    """The shipped model with its dequantisation folded and its NaN guards dropped (float)."""
    import onnx
    import onnxruntime as ort

    from studio.knowledge.quantize import drop_nan_guards

    folded = work / "folded.onnx"
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    model = onnx.load(str(folded))
    drop_nan_guards(model.graph)
    onnx.save(model, str(folded))
    return folded


def _quantise(source: Path, target: Path, **options: Any) -> Path:
    import logging

    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root, quiet = logging.getLogger(), logging.NullHandler()
    root.addHandler(quiet)  # see studio.knowledge.quantize: keep the quantiser's logging local
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=options.pop("weight_type", QuantType.QInt8),
            per_channel=True,
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
            **options,
        )
    finally:
        root.removeHandler(quiet)
    return target


def build_variants(source: Path, work: Path) -> dict[str, Path]:
    """Model files of each variant (see the module docstring), derived into `work`."""
    from onnxruntime.quantization import QuantType

    folded = _folded(source, work)
    lean = work / "lean.onnx"
    import onnx

    onnx.save(lean_graph(onnx.load(str(folded))), str(lean))
    return {
        "reduce_range": _quantise(folded, work / "q8rr.onnx", reduce_range=True),
        "u8u8": _quantise(folded, work / "q8u8.onnx", weight_type=QuantType.QUInt8),
        "lean": _quantise(lean, work / "leanq8.onnx"),
        "lean float": lean,
    }


def lean_graph(folded: Any) -> Any:
    """all-MiniLM-L6-v2 for one unpadded text per run (input_ids only), from the folded model."""
    from onnx import TensorProto, helper, numpy_helper

    graph = folded.graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}

    def value(name: str) -> np.ndarray:
        if name in weights:
            return weights[name]
        return numpy_helper.to_array(producer[name].attribute[0].t)  # a Constant node

    def constant(name: str) -> bool:
        return name in weights or getattr(producer.get(name), "op_type", "") == "Constant"

    bias_of = {n.input[0]: n.input[1] for n in graph.node if n.op_type == "Add"}
    dense = [n for n in graph.node if n.op_type == "MatMul" and constant(n.input[1])]
    norms = [n for n in graph.node if n.op_type == "LayerNormalization"]
    if len(dense) != 36 or len(norms) != 13:
        raise ValueError("not the expected all-MiniLM-L6-v2 layout")
    # Per layer the exporter wrote key, query, value, output, intermediate, output dense.
    names = [bias_of[n.output[0]] for n in dense[:6]]
    expected = ("key.bias", "query.bias", "value.bias", "dense.bias", "dense.bias", "dense.bias")
    if not all(n.endswith(e) for n, e in zip(names, expected, strict=True)):
        raise ValueError(f"unexpected projection order: {names}")

    inits: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(kind: str, inputs: list[str], domain: str = "", **attributes: Any) -> str:
        out = f"n{len(nodes)}_{kind}"
        nodes.append(helper.make_node(kind, inputs, [out], name=out, domain=domain, **attributes))
        return out

    def norm(x: str, node: Any, name: str) -> str:
        scale, shift = (init(f"{name}_{k}", value(node.input[i])) for k, i in (("w", 1), ("b", 2)))
        epsilon = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-12)
        return op("LayerNormalization", [x, scale, shift], axis=-1, epsilon=epsilon)

    prefix = "inner.embeddings."
    # Token type 0 for every token: its row is folded into the word embeddings.
    words = (
        weights[prefix + "word_embeddings.weight"]
        + weights[prefix + "token_type_embeddings.weight"][0]
    )
    init("words", words)
    init("positions", weights[prefix + "position_embeddings.weight"])
    zero, one, two = (
        init(n, np.array([v], np.int64)) for n, v in (("i0", 0), ("i1", 1), ("i2", 2))
    )
    length = op("Slice", [op("Shape", ["input_ids"]), one, two, zero])
    x = op(
        "Add",
        [op("Gather", ["words", "input_ids"]), op("Slice", ["positions", zero, length, zero])],
    )
    x = norm(x, norms[0], "embeddings")
    for layer in range(6):
        key, query, val, out, up, down = dense[6 * layer : 6 * layer + 6]

        def w(node: Any) -> np.ndarray:
            return value(node.input[1])

        def b(node: Any) -> np.ndarray:
            return value(bias_of[node.output[0]])

        qkv = init(f"l{layer}_qkv", np.concatenate([w(query), w(key), w(val)], axis=1))
        qkv_bias = init(f"l{layer}_qkv_b", np.concatenate([b(query), b(key), b(val)]))
        attended = op("Attention", [x, qkv, qkv_bias], domain="com.microsoft", num_heads=12)
        projected = op("MatMul", [attended, init(f"l{layer}_o", w(out))])
        projected = op("Add", [projected, init(f"l{layer}_o_b", b(out))])
        x = norm(op("Add", [projected, x]), norms[1 + 2 * layer], f"l{layer}_ln1")
        hidden = op("MatMul", [x, init(f"l{layer}_up", w(up))])
        hidden = op("BiasGelu", [hidden, init(f"l{layer}_up_b", b(up))], domain="com.microsoft")
        hidden = op("MatMul", [hidden, init(f"l{layer}_down", w(down))])
        hidden = op("Add", [hidden, init(f"l{layer}_down_b", b(down))])
        x = norm(op("Add", [hidden, x]), norms[2 + 2 * layer], f"l{layer}_ln2")
    nodes[-1].output[0] = "last_hidden_state"
    lean = helper.make_graph(
        nodes,
        "minilm-lean",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "tokens"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [1, "tokens", 384])],
        inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(lean, opset_imports=opsets, ir_version=9)
