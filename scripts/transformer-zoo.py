#!/usr/bin/env python3
"""Writes the zoo's transformer models (workloads/models/bert-base.yaml, gpt2-small.yaml) from
their published shapes. The files are checked in; run this after changing the layout of a block.

Usage: scripts/transformer-zoo.py [--check]   (--check: exit 1 when a checked-in file differs)
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "workloads" / "models"


def attention(lines, p, hidden, heads, q, k, v, causal):
    """Heads split, scores, softmax, context and merge; returns the merged context's name. The
    1/sqrt(depth) scale of the scores is folded into the query projection's weights, as compilers do."""
    depth = hidden // heads
    lines += [
        f"  - {{name: {p}_q_heads, op: reshape, input: {q}, shape: [-1, {heads}, {depth}]}}",
        f"  - {{name: {p}_q_t, op: transpose, perm: [0, 2, 1, 3]}}",
        f"  - {{name: {p}_k_heads, op: reshape, input: {k}, shape: [-1, {heads}, {depth}]}}",
        f"  - {{name: {p}_k_t, op: transpose, perm: [0, 2, 3, 1]}}",
        f"  - {{name: {p}_v_heads, op: reshape, input: {v}, shape: [-1, {heads}, {depth}]}}",
        f"  - {{name: {p}_v_t, op: transpose, perm: [0, 2, 1, 3]}}",
        f"  - {{name: {p}_scores, op: matmul, inputs: [{p}_q_t, {p}_k_t]}}",
    ]
    if causal:
        lines.append(f"  - {{name: {p}_masked, op: where}}  # the causal mask")
    lines += [
        f"  - {{name: {p}_probs, op: softmax, axis: 3}}",
        f"  - {{name: {p}_context, op: matmul, inputs: [{p}_probs, {p}_v_t]}}",
        f"  - {{name: {p}_context_t, op: transpose, perm: [0, 2, 1, 3]}}",
        f"  - {{name: {p}_merged, op: reshape, shape: [-1, {hidden}]}}",
    ]
    return f"{p}_merged"


def bert_base(seq=128, layers=12, hidden=768, heads=12, ffn=3072, vocab=30522):
    lines = [
        "# BERT-base: Devlin, Chang, Lee and Toutanova, \"BERT: Pre-training of Deep Bidirectional",
        "# Transformers for Language Understanding\", NAACL 2019, Section 3: L = 12 layers, H = 768,",
        "# A = 12 heads, feed-forward 4H = 3072, GELU; WordPiece vocabulary of 30522 (the released",
        "# uncased checkpoint), post-layer-norm blocks as in Vaswani et al. (2017). One sequence of",
        f"# {seq} tokens (`--seq` changes it); the position and token-type embeddings are added as a",
        "# per-feature bias here (their tables are weights, which are not planned), and the scores'",
        "# 1/sqrt(64) scale is folded into the query weights, as compilers do. The pooler reads the",
        "# first token. Jiao et al., \"TinyBERT\", Findings of EMNLP 2020, Table 1 gives 22.5 G FLOPs at",
        "# sequence 128 (2 per multiply-add). Written by scripts/transformer-zoo.py.",
        "name: bert-base",
        f"input: {{name: tokens, shape: [{seq}]}}",
        "layers:",
        f"  - {{name: embeddings, op: embedding, rows: {vocab}, features: {hidden}}}",
        "  - {name: embeddings_position, op: bias}",
        "  - {name: embeddings_ln, op: layer_norm}",
    ]
    x = "embeddings_ln"
    for i in range(layers):
        p = f"l{i}"
        lines.append(f"  # layer {i}")
        for proj in "qkv":
            lines.append(f"  - {{name: {p}_{proj}, op: matmul, input: {x}, out: {hidden}, bias: true}}")
        merged = attention(lines, p, hidden, heads, f"{p}_q", f"{p}_k", f"{p}_v", causal=False)
        lines += [
            f"  - {{name: {p}_attn_out, op: matmul, input: {merged}, out: {hidden}, bias: true}}",
            f"  - {{name: {p}_attn_residual, op: add, inputs: [{p}_attn_out, {x}]}}",
            f"  - {{name: {p}_attn_ln, op: layer_norm}}",
            f"  - {{name: {p}_ffn_in, op: matmul, out: {ffn}, bias: true}}",
            f"  - {{name: {p}_ffn_gelu, op: gelu}}",
            f"  - {{name: {p}_ffn_out, op: matmul, out: {hidden}, bias: true}}",
            f"  - {{name: {p}_ffn_residual, op: add, inputs: [{p}_ffn_out, {p}_attn_ln]}}",
            f"  - {{name: {p}_ffn_ln, op: layer_norm}}",
        ]
        x = f"{p}_ffn_ln"
    lines += [
        "  # pooler: the first token's state through a dense layer and tanh",
        "  - {name: pooler_first, op: slice, axis: 2, begin: 0, end: 1}",
        f"  - {{name: pooler_dense, op: fully_connected, out: {hidden}}}",
        "  - {name: pooler_tanh, op: tanh}",
    ]
    return "\n".join(lines) + "\n"


def gpt2_small(seq=256, layers=12, hidden=768, heads=12, ffn=3072, vocab=50257):
    lines = [
        "# GPT-2 small: Radford, Wu, Child, Luan, Amodei and Sutskever, \"Language Models are",
        "# Unsupervised Multitask Learners\", 2019, Table 2 (12 layers, d_model 768) and Section 2.3",
        "# (layer norm before each sub-block and after the last, context 1024, vocabulary 50257); 12",
        "# heads and a 4 x 768 feed-forward with GELU as in the released checkpoint. One prompt of",
        f"# {seq} tokens (`--seq 1024` for the whole context), causal attention; the learned position",
        "# embeddings are added as a per-feature bias here (their table is a weight, which is not",
        "# planned), and the scores' 1/sqrt(64) scale is folded into the query weights, as compilers do. The",
        "# language-model head (tied to the token embeddings) runs for the last token only, as a",
        "# generating runtime does after the prompt. The blocks' weight matrices hold the",
        "# 12 x layers x d_model^2 = 85 M non-embedding parameters of Kaplan et al., \"Scaling Laws for",
        "# Neural Language Models\", 2020, Table 1. Written by scripts/transformer-zoo.py.",
        "name: gpt2-small",
        f"input: {{name: tokens, shape: [{seq}]}}",
        "layers:",
        f"  - {{name: wte, op: embedding, rows: {vocab}, features: {hidden}}}",
        "  - {name: wpe, op: bias}",
    ]
    x = "wpe"
    for i in range(layers):
        p = f"h{i}"
        lines += [
            f"  # block {i}",
            f"  - {{name: {p}_ln1, op: layer_norm, input: {x}}}",
            f"  - {{name: {p}_qkv, op: matmul, out: {3 * hidden}, bias: true}}",
            f"  - {{name: {p}_q, op: slice, input: {p}_qkv, axis: 1, begin: 0, end: {hidden}}}",
            f"  - {{name: {p}_k, op: slice, input: {p}_qkv, axis: 1, begin: {hidden}, end: {2 * hidden}}}",
            f"  - {{name: {p}_v, op: slice, input: {p}_qkv, axis: 1, begin: {2 * hidden}, end: {3 * hidden}}}",
        ]
        merged = attention(lines, p, hidden, heads, f"{p}_q", f"{p}_k", f"{p}_v", causal=True)
        lines += [
            f"  - {{name: {p}_attn_out, op: matmul, input: {merged}, out: {hidden}, bias: true}}",
            f"  - {{name: {p}_attn_residual, op: add, inputs: [{p}_attn_out, {x}]}}",
            f"  - {{name: {p}_ln2, op: layer_norm}}",
            f"  - {{name: {p}_mlp_in, op: matmul, out: {ffn}, bias: true}}",
            f"  - {{name: {p}_mlp_gelu, op: gelu}}",
            f"  - {{name: {p}_mlp_out, op: matmul, out: {hidden}, bias: true}}",
            f"  - {{name: {p}_mlp_residual, op: add, inputs: [{p}_mlp_out, {p}_attn_residual]}}",
        ]
        x = f"{p}_mlp_residual"
    lines += [
        f"  - {{name: ln_f, op: layer_norm, input: {x}}}",
        "  - {name: last_token, op: slice, axis: 2, begin: 1, end: 0, from_end: true}",
        f"  - {{name: lm_head, op: matmul, out: {vocab}}}",
    ]
    return "\n".join(lines) + "\n"


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.exit(__doc__)
    differ = False
    for name, text in (("bert-base.yaml", bert_base()), ("gpt2-small.yaml", gpt2_small())):
        path = MODELS / name
        if check:
            if not path.exists() or path.read_text() != text:
                print(f"{path} differs from what scripts/transformer-zoo.py writes", file=sys.stderr)
                differ = True
        else:
            path.write_text(text)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
