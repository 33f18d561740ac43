"""The bad-input campaign (issue 6): one table of malformed inputs across every command.

Each case must end the way issue 2's error policy says: exit status 2 (1 only
when the failure is not the user's input, such as a closed stdout), exactly one
line on stderr that starts ``Error: `` and names the argument at fault, nothing
on stdout, no traceback, and every file the case wrote beforehand unchanged
(same bytes, and no file added or removed next to them).

Most cases run in-process through click's CliRunner (``invoke`` from
conftest). Three need a real process and so run the console script:
``pty`` (standard input is a terminal), ``closed`` (file descriptor 1 closed,
as ``nncalc … >&-``) and ``epipe`` (stdout is a pipe whose reader has already
gone, as ``nncalc … | head -0``; the policy there is to end quietly, so no
error line is expected).

``{d}`` in an argument stands for the case's temporary directory.
"""
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_user_error, invoke

NNCALC = shutil.which("nncalc", path=str(Path(sys.executable).parent)) or shutil.which("nncalc")


# ------------------------------------------------------------------ fixtures

def npy(arr, **kwargs):
    buf = io.BytesIO()
    np.save(buf, arr, **kwargs)
    return buf.getvalue()


def npy_header(shape, descr="<f8"):
    """Only the header of a .npy: it claims prod(shape) elements and holds none of them."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def deep_json(levels, inner="1"):
    return "[" * levels + inner + "]" * levels


PICKLED_NPY = npy(np.array([[1.0, 2.0], [3.0]], dtype=object), allow_pickle=True)
STRUCT_OBJECT_NPY = npy(np.array([(1.0, None)], dtype=[("a", "<f8"), ("b", "O")]), allow_pickle=True)
RAW_PICKLE = pickle.dumps(np.arange(4.0))
TERA_HEADER = npy_header((10 ** 6, 10 ** 6))                 # 10^12 float64: 8 TB, never allocated
NET_OK = {"layers": [{"weights": [[0.5, -0.5]], "bias": 0, "activation": "sigmoid"}]}


# ---------------------------------------------------------------- the table

class Case:
    def __init__(self, id, args, fragments, files=None, stdin=None, code=2, how="inproc", xfail=None):
        self.id, self.args, self.fragments = id, list(args), tuple(fragments)
        self.files = files or {}
        self.stdin, self.code, self.how, self.xfail = stdin, code, how, xfail

    def param(self):
        marks = [pytest.mark.xfail(strict=True, reason=self.xfail)] if self.xfail else []
        return pytest.param(self, id=self.id, marks=marks)


A = "activate"
CASES = [
    # ----------------------------------------------------------- activate: text grammar
    Case("activate-ragged-rows", [A, "relu", "1 2; 3 4 5"], ["VALUES", "row 2 has 3 values"]),
    Case("activate-ragged-channels", [A, "relu", "1 2; 3 4 | 5 6"], ["VALUES", "channel 2"]),
    Case("activate-stray-token", [A, "relu", "1 2 x"], ["VALUES", "'x'"]),
    Case("activate-stray-token-among-values", [A, "relu", "1", "2", "abc"], ["VALUES", "value 3"]),
    Case("activate-double-comma", [A, "relu", "1,,2"], ["VALUES", "empty"]),
    Case("activate-nan", [A, "relu", "nan"], ["VALUES", "nan"]),
    Case("activate-nan-in-matrix", [A, "relu", "1 2; NaN 4"], ["VALUES", "nan"]),
    Case("activate-nan-json", [A, "relu", "[1, NaN]"], ["VALUES", "nan"]),
    Case("activate-empty-string", [A, "relu", ""], ["VALUES", "empty"]),
    Case("activate-only-separators", [A, "relu", " ; ; "], ["VALUES", "empty"]),
    Case("activate-empty-brackets", [A, "relu", "[]"], ["VALUES", "empty"]),
    Case("activate-unbalanced-bracket", [A, "relu", "[1 2; 3 4"], ["VALUES", "unbalanced"]),
    Case("activate-arabic-indic-digits", [A, "relu", "\u0661\u0662"], ["VALUES", "ASCII"]),
    # full-width forms are read as ASCII (issue 12); digits of other scripts are not
    Case("activate-devanagari-digits", [A, "relu", "\u0967\u0968 3"], ["VALUES", "ASCII"]),
    Case("activate-devanagari-separate-value", [A, "relu", "1", "\u0968"], ["VALUES", "ASCII"]),
    Case("activate-ideographic-full-stop", [A, "relu", "\uff11\u3002\uff15"], ["VALUES", "ASCII"]),
    Case("activate-unicode-minus", [A, "relu", "\u22121 2"], ["VALUES", "ASCII"]),
    Case("activate-superscript-digit", [A, "relu", "2\u00b2"], ["VALUES", "ASCII"]),
    Case("activate-hex", [A, "relu", "0x10"], ["VALUES", "'0x10'"]),
    Case("activate-underscore-number", [A, "relu", "1_000"], ["VALUES", "1_000"]),
    Case("activate-json-string", [A, "relu", '[1, "2"]'], ["VALUES", "not a number"]),
    Case("activate-json-bool", [A, "relu", "[true, 1]"], ["VALUES", "not a number"]),
    Case("activate-json-object-without-result", [A, "relu", '{"values": [1]}'], ["VALUES", "result"]),
    Case("activate-json-deep-5", [A, "relu", deep_json(5)], ["VALUES", "deeper than 4"]),
    Case("activate-json-deep-10000", [A, "relu", deep_json(10000)], ["VALUES", "deeper than 4"]),
    Case("activate-json-deep-10000-in-object", [A, "relu", '{"result": ' + deep_json(10000) + "}"],
         ["VALUES", "JSON"]),
    Case("activate-over-max-elements", [A, "relu", "--max-elements", "3", "1 2; 3 4"],
         ["VALUES", "over the limit of 3"]),
    Case("activate-over-max-elements-values", [A, "relu", "--max-elements", "2", "1", "2", "3"],
         ["VALUES", "over the limit of 2"]),
    # ----------------------------------------------------------- activate: names and options
    Case("activate-unknown-function", [A, "sigmod", "1"], ["FUNCTION", "did you mean 'sigmoid'"]),
    Case("activate-unknown-format", [A, "relu", "1", "--format", "fancy"], ["--format", "'fancy'"]),
    Case("activate-alpha-nan", [A, "leaky-relu", "--alpha", "nan", "1"], ["--alpha", "nan"]),
    Case("activate-alpha-fullwidth", [A, "leaky-relu", "--alpha", "\uff10.\uff11", "1"], ["--alpha"]),
    Case("activate-slope-inf", [A, "identity", "--slope", "inf", "1"], ["--slope", "finite"]),
    Case("activate-alpha-wrong-function", [A, "relu", "--alpha", "0.1", "1"], ["--alpha"]),
    Case("activate-misspelt-option", [A, "relu", "1", "--formt", "json"], ["--formt"]),
    Case("activate-max-elements-zero", [A, "relu", "--max-elements", "0", "1"], ["--max-elements"]),
    Case("activate-jacobian-huge", [A, "softmax", "--jacobian", "@{d}/x.npy", "-q"], ["over the limit"],
         how="limited", files={"x.npy": npy(np.zeros(100000))}),
    Case("activate-plot-bad-range", [A, "relu", "1", "--plot", "--range", "5:x"], ["--range"]),
    # ----------------------------------------------------------- activate: files and stdin
    Case("file-binary-garbage", [A, "relu", "@{d}/garbage.txt"], ["VALUES", "binary"],
         files={"garbage.txt": bytes(range(256))}),
    Case("file-not-utf8", [A, "relu", "@{d}/latin1.csv"], ["VALUES", "binary"],
         files={"latin1.csv": "1,2\n3,\xb5\n".encode("latin-1")}),
    Case("file-ragged-csv", [A, "relu", "@{d}/ragged.csv"], ["VALUES", "row 2 has 1 value"],
         files={"ragged.csv": b"1,2\n3\n"}),
    Case("file-empty-txt", [A, "relu", "@{d}/empty.txt"], ["VALUES", "empty"], files={"empty.txt": b""}),
    Case("file-tsv-stray-token", [A, "relu", "@{d}/m.tsv"], ["VALUES", "'two'"],
         files={"m.tsv": b"1\ttwo\n3\t4\n"}),
    Case("file-json-deep-10000", [A, "relu", "@{d}/deep.json"], ["VALUES", "deeper than 4"],
         files={"deep.json": deep_json(10000).encode()}),
    Case("file-json-syntax", [A, "relu", "@{d}/bad.json"], ["VALUES", "JSON"], files={"bad.json": b"[1, 2,"}),
    Case("file-pickled-npy", [A, "relu", "@{d}/pickled.npy"], ["VALUES", "objects"],
         files={"pickled.npy": PICKLED_NPY}),
    Case("file-object-field-npy", [A, "relu", "@{d}/struct.npy"], ["VALUES", "objects"],
         files={"struct.npy": STRUCT_OBJECT_NPY}),
    Case("file-object-dtype-header-only", [A, "relu", "@{d}/obj.npy"], ["VALUES", "objects"],
         files={"obj.npy": npy_header((3,), descr="|O")}),
    Case("file-raw-pickle-named-npy", [A, "relu", "@{d}/raw.npy"], ["VALUES", ".npy"],
         files={"raw.npy": RAW_PICKLE}),
    Case("file-truncated-npy", [A, "relu", "@{d}/cut.npy"], ["VALUES", ".npy"],
         files={"cut.npy": npy(np.arange(10.0))[:-5]}),
    Case("file-npy-string-dtype", [A, "relu", "@{d}/str.npy"], ["VALUES", "real numbers"],
         files={"str.npy": npy(np.array(["1", "2"]))}),
    Case("file-npy-complex", [A, "relu", "@{d}/c.npy"], ["VALUES", "complex"],
         files={"c.npy": npy(np.array([1 + 2j]))}),
    Case("file-npy-nan", [A, "relu", "@{d}/nan.npy"], ["VALUES", "nan"],
         files={"nan.npy": npy(np.array([1.0, np.nan]))}),
    Case("file-npy-5-dims", [A, "relu", "@{d}/five.npy"], ["VALUES", "5 dimensions"],
         files={"five.npy": npy(np.zeros((1, 1, 1, 1, 1)))}),
    Case("file-npy-header-10^12-elements", [A, "relu", "@{d}/tera.npy"],
         ["VALUES", "1,000,000,000,000 elements is over the limit"], files={"tera.npy": TERA_HEADER}),
    Case("file-npy-header-10^12-limit-raised", [A, "relu", "--max-elements", str(10 ** 13), "@{d}/tera.npy"],
         ["VALUES", "truncated"], files={"tera.npy": TERA_HEADER}),
    Case("file-npy-header-2^64-elements", [A, "relu", "@{d}/wrap.npy"],
         ["VALUES", "18,446,744,073,709,551,616 elements is over the limit"],
         files={"wrap.npy": npy_header((2 ** 32, 2 ** 32))}),
    Case("file-npy-over-max-elements", [A, "relu", "--max-elements", "5", "@{d}/six.npy"],
         ["VALUES", "over the limit of 5"], files={"six.npy": npy(np.arange(6.0))}),
    Case("file-csv-over-max-elements", [A, "relu", "--max-elements", "5", "@{d}/six.csv"],
         ["VALUES", "over the limit of 5"], files={"six.csv": b"1,2,3\n4,5,6\n"}),
    Case("file-npz-refused", [A, "relu", "@{d}/a.npz"], ["VALUES", ".npz"], files={"a.npz": b"PK\x03\x04"}),
    Case("file-is-a-directory", [A, "relu", "@{d}/sub"], ["VALUES", "directory"],
         files={"sub/keep.csv": b"1,2\n"}),
    Case("file-missing", [A, "relu", "@{d}/missing.csv"], ["VALUES", "cannot read"]),
    # root reads any file whatever its mode, so "unreadable" is simulated by a path through a file
    Case("file-path-through-a-file", [A, "relu", "@{d}/plain.csv/x"], ["VALUES", "cannot read"],
         files={"plain.csv": b"1,2\n"}),
    Case("file-at-alone", [A, "relu", "@"], ["VALUES", "'@'"]),
    Case("stdin-binary", [A, "relu", "-"], ["VALUES", "binary"], stdin=b"\x00\x01\xfe\xff"),
    Case("stdin-empty", [A, "relu", "-"], ["VALUES", "empty"], stdin=b""),
    Case("stdin-pickled-npy", [A, "relu", "-"], ["VALUES", "objects"], stdin=PICKLED_NPY),
    Case("stdin-npy-header-10^12-elements", [A, "relu", "-"], ["VALUES", "over the limit"], stdin=TERA_HEADER),
    Case("stdin-json-deep-10000", [A, "relu", "-"], ["VALUES", "deeper than 4"],
         stdin=deep_json(10000).encode()),
    Case("stdin-twice", ["loss", "-", "-"], ["TARGET", "only once"], stdin=b"1 2\n"),
    Case("stdin-is-a-terminal", [A, "relu", "-"], ["VALUES", "terminal"], how="pty"),
    # ----------------------------------------------------------- output that cannot be written
    Case("stdout-closed", [A, "relu", "1 2"], ["standard output"], code=1, how="closed"),
    Case("stdout-closed-npy", [A, "relu", "1 2", "--format", "npy"], ["standard output"], code=1, how="closed"),
    Case("stdout-reader-gone", ["conv", "@{d}/big.csv", "1;"], [], code=1, how="epipe",
         files={"big.csv": ("\n".join(" ".join("1" for _ in range(200)) for _ in range(200)) + "\n").encode()}),
    # ----------------------------------------------------------- conv
    Case("conv-stride-zero", ["conv", "1 2; 3 4", "1;", "--stride", "0"], ["--stride"]),
    Case("conv-stride-negative", ["conv", "1 2; 3 4", "1;", "--stride", "-1"], ["--stride"]),
    Case("conv-stride-three-values", ["conv", "1 2; 3 4", "1;", "--stride", "1,1,1"], ["--stride"]),
    Case("conv-stride-fullwidth", ["conv", "1 2; 3 4", "1;", "--stride", "\uff12"], ["--stride"]),
    Case("conv-padding-negative", ["conv", "1 2; 3 4", "1;", "--padding", "-1"], ["--padding"]),
    Case("conv-padding-unknown-word", ["conv", "1 2; 3 4", "1;", "--padding", "samee"], ["--padding"]),
    Case("conv-padding-huge", ["conv", "1 2; 3 4", "1;", "--padding", "30000", "-q"], ["over the limit"],
         how="limited"),
    Case("conv-dilation-zero", ["conv", "1 2; 3 4", "1;", "--dilation", "0"], ["--dilation"]),
    Case("conv-stride-int64-max", ["conv", "1 2; 3 4", "1 1; 1 1", "--stride", "9223372036854775807", "-q"],
         ["--stride", "too large"]),
    Case("conv-dilation-huge-on-1x1", ["conv", "1 2; 3 4", "1;", "--dilation", "99999999999999999999"],
         ["--dilation", "too large"]),
    Case("conv-activation-softmax", ["conv", "1 2; 3 4", "1;", "--activation", "softmax"],
         ["--activation", "not element-wise"]),
    # a 1-D KERNEL is a 1×n row (issue 12): refused only when that row does not fit
    Case("conv-kernel-row-too-long", ["conv", "1 2; 3 4", "1 2 3"], ["KERNEL", "does not fit"]),
    Case("conv-kernel-5d", ["conv", "1 2; 3 4", "[[[[[1]]]]]"], ["KERNEL", "deeper than 4"]),
    Case("conv-kernels-4d-among-several", ["conv", "1 2; 3 4", "[[[[1]]]]", "[[[[1]]]]"], ["KERNEL 1", "1×1×1×1"]),
    Case("conv-two-channel-kernel-one-channel-input", ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 1 | 1 0; 0 1"],
         ["KERNEL", "2 channel(s)", "input has 1", "own KERNEL argument"]),
    Case("conv-dilation-too-wide", ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 1", "--dilation", "5"], ["KERNEL"]),
    Case("conv-kernel-larger-than-input", ["conv", "1 2; 3 4", "1 2 3; 4 5 6; 7 8 9"], ["KERNEL"]),
    Case("conv-kernel-channels-mismatch", ["conv", "1 2;3 4 | 5 6;7 8", "1 0;0 1 | 1 0;0 1 | 1 0;0 1"],
         ["KERNEL"]),
    Case("conv-kernels-differ", ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 1", "1 2 3"], ["KERNEL 2"]),
    Case("conv-kernel-ragged", ["conv", "1 2; 3 4", "1 0; 0"], ["KERNEL", "row 2"]),
    Case("conv-input-vector", ["conv", "1 2 3", "1;"], ["INPUT"]),
    Case("conv-input-nan", ["conv", "1 nan; 3 4", "1;"], ["INPUT", "nan"]),
    Case("conv-bias-count", ["conv", "1 2; 3 4", "1;", "--bias", "1 2"], ["--bias"]),
    Case("conv-unknown-activation", ["conv", "1 2; 3 4", "1;", "--activation", "rleu"], ["--activation", "relu"]),
    Case("conv-channels-last-vector", ["conv", "1 2 3", "1;", "--channels-last"], ["INPUT"]),
    # ----------------------------------------------------------- pool
    Case("pool-size-zero", ["pool", "1 2; 3 4", "--size", "0"], ["--size"]),
    Case("pool-count-include-pad-with-max", ["pool", "1 2; 3 4", "--no-count-include-pad"],
         ["--no-count-include-pad", "--avg"]),
    Case("pool-global-with-size", ["pool", "1 2; 3 4", "--global", "--size", "2"], ["--global", "--size"]),
    Case("pool-global-with-stride", ["pool", "1 2; 3 4", "--global", "--stride", "1"], ["--global", "--stride"]),
    Case("loss-eps-with-mse", ["loss", "0.2 0.9", "0 1", "--loss", "mse", "--eps", "0.1"], ["--eps", "mse"]),
    Case("loss-eps-with-logits", ["loss", "1 2", "1", "--loss", "cross-entropy", "--from-logits", "--eps", "0.5"],
         ["--eps", "--from-logits"]),
    Case("outsize-output-padding-not-transposed", ["outsize", "5", "--kernel", "3", "--output-padding", "1"],
         ["--output-padding", "--transposed"]),
    Case("outsize-ceil-transposed", ["outsize", "5", "--kernel", "3", "--transposed", "--ceil"], ["--ceil"]),
    Case("outsize-chain-transposed", ["outsize", "28", "conv:3", "--transposed"],
         ["--transposed", "no transposed layers"]),
    Case("activate-list-with-alpha", ["activate", "--list", "--alpha", "0.1"], ["--alpha", "--list"]),
    Case("activate-list-with-plot", ["activate", "--list", "--plot"], ["--plot", "--list"]),
    Case("activate-range-without-plot", ["activate", "relu", "--range", "-1:1", "1"], ["--range", "--plot"]),
    Case("pool-avg-inf-minus-inf", ["pool", "inf -inf; 1 1", "--avg", "-q"], ["INPUT", "undefined (nan)"]),
    Case("pool-backward-inf-minus-inf", ["pool", "1 2 3; 4 5 6; 7 8 9", "--size", "2", "--stride", "1",
                                         "--avg", "--backward", "inf -inf; 1 1"], ["--backward", "nan"]),
    Case("conv-inf-times-zero", ["conv", "inf 1; 1 1", "0 1; 1 1", "-q"], ["INPUT", "(0, 0, 0, 0)", "inf·0"]),
    Case("conv-inf-minus-inf-bias", ["conv", "inf 1; 1 1", "1 1; 1 1", "--bias", "-inf"], ["INPUT", "nan"]),
    Case("conv-overflow-minus-inf-bias", ["conv", "1e308 1; 1 1", "10 0; 0 0", "--bias", "-inf"],
         ["--bias", "nan"]),
    Case("conv-inf-in-kernel-times-zero", ["conv", "0 1; 1 1", "inf 1; 1 1"], ["KERNEL", "inf·0"]),
    Case("loss-inf-minus-inf", ["loss", "inf 1", "inf 1", "--loss", "mse"], ["PRED", "inf − inf"]),
    Case("pool-size-larger-than-input", ["pool", "1 2; 3 4", "--size", "3"], ["--size"]),
    Case("pool-stride-zero", ["pool", "1 2; 3 4", "--stride", "0"], ["--stride"]),
    Case("pool-stride-past-int64", ["pool", "1 2; 3 4", "--stride", "99999999999999999999"],
         ["--stride", "too large"]),
    Case("pool-padding-over-half", ["pool", "1 2; 3 4", "--size", "2", "--padding", "2"], ["--padding"]),
    Case("pool-unknown-mode", ["pool", "1 2; 3 4", "--mode", "median"], ["--mode"]),
    Case("pool-two-modes", ["pool", "1 2; 3 4", "--max", "--avg"], ["--mode"]),
    Case("pool-backward-shape", ["pool", "1 2; 3 4", "--backward", "1 2; 3 4"], ["--backward"]),
    Case("pool-backward-nan", ["pool", "1 2; 3 4", "--backward", "nan"], ["--backward", "nan"]),
    Case("pool-input-empty", ["pool", ""], ["INPUT", "empty"]),
    Case("pool-input-deep-json", ["pool", deep_json(6)], ["INPUT", "deeper than 4"]),
    Case("pool-window-and-padding-huge", ["pool", "1 2; 3 4", "--size", "50000", "--padding", "25000",
                                          "--stride", "1", "-q"], ["over the limit"], how="limited"),
    # ----------------------------------------------------------- outsize
    Case("outsize-size-word", ["outsize", "abc", "--kernel", "3"], ["SIZE"]),
    Case("outsize-size-zero", ["outsize", "0", "--kernel", "3"], ["SIZE"]),
    Case("outsize-size-fullwidth", ["outsize", "\uff12\uff18", "--kernel", "3"], ["SIZE"]),
    Case("outsize-size-four-dims", ["outsize", "1x2x3x4", "--kernel", "1"], ["SIZE"]),
    Case("outsize-no-kernel", ["outsize", "28"], ["--kernel"]),
    Case("outsize-kernel-larger", ["outsize", "3", "--kernel", "5"], ["--kernel"]),
    Case("outsize-size-trailing-x", ["outsize", "28x", "--kernel", "3"], ["SIZE", "'28x'"]),
    Case("outsize-size-doubled-x", ["outsize", "28xx28", "--kernel", "3"], ["SIZE"]),
    Case("outsize-stride-zero", ["outsize", "28", "--kernel", "3", "--stride", "0"], ["--stride"]),
    Case("outsize-dilation-zero", ["outsize", "28", "--kernel", "3", "--dilation", "0"], ["--dilation"]),
    Case("outsize-padding-word", ["outsize", "28", "--kernel", "3", "--padding", "full"], ["--padding"]),
    Case("outsize-unknown-layer", ["outsize", "1x28x28", "dropout:0.5"], ["LAYER", "dropout"]),
    Case("outsize-layer-missing-kernel", ["outsize", "1x28x28", "conv:6"], ["LAYER"]),
    Case("outsize-layer-option-in-chain", ["outsize", "1x28x28", "conv:6,5", "--stride", "2"], ["--stride"]),
    # ----------------------------------------------------------- backprop
    Case("backprop-weights-ragged", ["backprop", "--weights", "1 2; 3", "--input", "1 2", "--target", "1"],
         ["--weights", "row 2"]),
    Case("backprop-input-mismatch", ["backprop", "--weights", "1 2", "--input", "1 2 3", "--target", "1"],
         ["--input", "layer 1's weights are 1×2"]),
    Case("backprop-unknown-loss", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                   "--loss", "hinge"], ["--loss", "hinge"]),
    Case("backprop-unknown-optimizer", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                        "--optimizer", "rmsprop"], ["--optimizer", "rmsprop"]),
    Case("backprop-unknown-activation", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                         "--activation", "sigmod"], ["--activation"]),
    Case("backprop-lr-nan", ["backprop", "--weights", "1", "--input", "1", "--target", "1", "--lr", "nan"],
         ["--lr"]),
    Case("backprop-lr-zero", ["backprop", "--weights", "1", "--input", "1", "--target", "1", "--lr", "0"],
         ["--lr"]),
    Case("backprop-steps-negative", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                     "--steps", "-1"], ["--steps"]),
    Case("backprop-target-nan", ["backprop", "--weights", "1", "--input", "1", "--target", "nan"],
         ["--target", "nan"]),
    Case("backprop-layers-word", ["backprop", "--layers", "2,x", "--input", "1 2", "--target", "1"],
         ["--layers"]),
    Case("backprop-momentum-one", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                   "--optimizer", "momentum", "--momentum", "1"], ["--momentum"]),
    Case("backprop-layers-huge", ["backprop", "--layers", "100000,100000", "--input", "@{d}/x.npy",
                                  "--target", "1", "-q"], ["--layers", "over the limit"], how="limited",
         files={"x.npy": npy(np.zeros(100000))}),
    Case("backprop-net-missing", ["backprop", "--net", "{d}/none.json"], ["--net", "cannot read"]),
    Case("backprop-net-directory", ["backprop", "--net", "{d}/sub"], ["--net"], files={"sub/keep": b""}),
    Case("backprop-net-binary", ["backprop", "--net", "{d}/net.json"], ["--net"],
         files={"net.json": b"\xff\xfe\x00garbage"}),
    Case("backprop-net-not-object", ["backprop", "--net", "{d}/net.json"], ["--net"], files={"net.json": b"[1, 2]"}),
    Case("backprop-net-deep-json", ["backprop", "--net", "{d}/net.json"], ["--net", "JSON"],
         files={"net.json": deep_json(10000).encode()}),
    Case("backprop-net-input-nan", ["backprop", "--net", "{d}/net.json", "--target", "1"], ["--net"],
         files={"net.json": json.dumps({**NET_OK, "input": [1, None]}).encode()}),
    # ----------------------------------------------------------- loss
    Case("loss-unknown-name", ["loss", "1", "2", "--loss", "hinge"], ["--loss", "hinge"]),
    Case("loss-shape-mismatch", ["loss", "1 2 3", "1 2"], ["TARGET"]),
    Case("loss-bce-out-of-range", ["loss", "1.5 0.2", "1 0", "--loss", "bce"], ["PRED"]),
    Case("loss-pred-nan", ["loss", "nan", "1"], ["PRED", "nan"]),
    Case("loss-target-empty", ["loss", "1", ""], ["TARGET", "empty"]),
    Case("loss-eps-negative", ["loss", "0.5 0.5", "1", "--loss", "cross-entropy", "--eps", "-1"], ["--eps"]),
    Case("loss-from-logits-mse", ["loss", "1", "2", "--from-logits", "--loss", "mse"], ["--from-logits"]),
    Case("loss-target-binary-file", ["loss", "1 2", "@{d}/t.csv"], ["TARGET", "binary"],
         files={"t.csv": b"\x00\x00\x00\x01"}),
    Case("loss-class-index-out-of-range", ["loss", "0.2 0.8", "5", "--loss", "cross-entropy"], ["TARGET"]),
    # ----------------------------------------------------------- issue 13: never an internal error
    Case("activate-dev-zero", [A, "relu", "@/dev/zero", "--max-elements", "10"],
         ["VALUES", "'/dev/zero' is over the limit of 1,048,576 bytes"]),
    Case("activate-npy-trailing-data", [A, "relu", "@{d}/x.npy"], ["VALUES", "data after the 2 values"],
         files={"x.npy": npy(np.array([1.0, 2.0])) + b"\0" * 4096}),
    Case("activate-npy-trailing-stdin", [A, "relu", "-"], ["VALUES", "data after the 2 values"],
         stdin=npy(np.array([1.0, 2.0])) + b"junk"),
    Case("activate-json-401-digits", [A, "relu", "[" + "1" * 401 + "]"], ["VALUES", "401-digit integer"]),
    Case("backprop-net-401-digits", ["backprop", "--net", "{d}/net.json"], ["--net", "401-digit integer"],
         files={"net.json": ('{"layers": [{"weights": [[%s]], "bias": 0, "activation": "relu"}], '
                             '"input": [1], "target": [1]}' % ("1" * 401)).encode()}),
    Case("activate-stdin-closed", [A, "relu", "-"], ["VALUES", "standard input, but it is closed"],
         how="stdin_closed"),
    Case("backprop-steps-ten-billion", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                        "--steps", "10000000000"], ["--steps", "over the limit"]),
    Case("backprop-steps-1e10", ["backprop", "--weights", "1", "--input", "1", "--target", "1",
                                 "--steps", "1e10"], ["--steps"]),
    Case("backprop-net-steps-1e300", ["backprop", "--net", "{d}/net.json"], ["--net", "'steps'"],
         files={"net.json": json.dumps({**NET_OK, "input": [1, 2], "target": [1], "steps": 1e300}).encode()}),
    Case("backprop-check-over-limit", ["backprop", "--layers", "3,4,2", "--input", "1 2 3", "--target", "0 1",
                                       "--check", "--check-limit", "10"], ["--check", "forward passes"]),
    Case("conv-work-over-limit", ["conv", "@{d}/x.npy", "@{d}/k.npy", "--max-work", "1000"],
         ["KERNEL", "multiply-adds", "--max-work"],
         files={"x.npy": npy(np.zeros((60, 60))), "k.npy": npy(np.ones((30, 30)))}),
    Case("pool-work-over-limit", ["pool", "@{d}/x.npy", "--size", "30", "--stride", "1", "--max-work", "1000"],
         ["--size", "comparisons", "--max-work"], files={"x.npy": npy(np.zeros((60, 60)))}),
    Case("conv-filters-over-limit", ["conv", "1 2 3; 4 5 6; 7 8 9", "1;", "1;", "1;", "--max-elements", "20"],
         ["KERNEL", "the output would have 27 elements"]),
    Case("conv-max-work-not-a-count", ["conv", "1 2; 3 4", "1;", "--max-work", "lots"], ["--max-work"]),
    Case("outsize-401-digit-size", ["outsize", "9" * 401, "--kernel", "3"], ["SIZE", "401-digit number"]),
    Case("activate-escape-in-token", [A, "relu", "1 X\x1bcY"], ["VALUES", "'X\\x1bcY'"]),
]


# ------------------------------------------------------------------ running

def _snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _env():
    env = {k: v for k, v in os.environ.items() if k != "NNCALC_DEBUG"}
    env["NO_COLOR"] = "1"
    return env


def _in_process(args, stdin):
    r = invoke(*args, input=stdin if stdin is not None else b"")
    return r.exit_code, r.stdout_bytes, r.stderr


def _on_a_terminal(args):
    """Standard input is a pty (a terminal); stdout and stderr are pipes."""
    import pty
    leader, follower = pty.openpty()
    try:
        p = subprocess.run([NNCALC, *args], stdin=follower, capture_output=True, env=_env(), timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def _stdout_closed(args):
    """File descriptor 1 closed in the child, as the shell's ``>&-``."""
    p = subprocess.Popen([NNCALC, *args], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
                         preexec_fn=lambda: os.close(1))
    _, err = p.communicate(timeout=60)
    return p.returncode, b"", err.decode("utf-8", "replace")


def _reader_gone(args):
    """stdout is a pipe whose reading end is already closed: every write gets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        p = subprocess.run([NNCALC, *args], stdin=subprocess.DEVNULL, stdout=write_end,
                           stderr=subprocess.PIPE, env=_env(), timeout=60)
    finally:
        os.close(write_end)
    return p.returncode, b"", p.stderr.decode("utf-8", "replace")


def _memory_limited(args):
    """A child whose address space is capped, so a command that ignores --max-elements fails with
    MemoryError instead of exhausting the machine (or being killed by the kernel)."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {**_env(), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    p = subprocess.run([NNCALC, *args], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                       preexec_fn=cap, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


MEMORY_CAP = 3 << 30
def _stdin_closed(args):
    """File descriptor 0 closed in the child, as the shell's ``<&-``."""
    p = subprocess.run([NNCALC, *args], capture_output=True, env=_env(), timeout=60,
                       preexec_fn=lambda: os.close(0))
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


RUNNERS = {"inproc": None, "pty": _on_a_terminal, "closed": _stdout_closed, "epipe": _reader_gone,
           "limited": _memory_limited, "stdin_closed": _stdin_closed}


def test_case_table_is_broad():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert commands == {"activate", "conv", "pool", "outsize", "backprop", "loss"}


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_bad_input(case, tmp_path):
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    before = _snapshot(tmp_path)
    args = [a.replace("{d}", str(tmp_path)) for a in case.args]
    if case.how == "inproc":
        code, stdout, stderr = _in_process(args, case.stdin)
    else:
        if NNCALC is None:
            pytest.skip("the nncalc console script is not installed")
        code, stdout, stderr = RUNNERS[case.how](args)

    assert "Traceback" not in stderr, stderr
    assert code == case.code, (code, stderr)
    assert stdout == b"", stdout[:200]
    lines = stderr.splitlines()
    if case.how == "epipe":
        assert lines == [], stderr                   # a reader that left: end quietly
    else:
        assert len(lines) == 1, stderr
        assert lines[0].startswith("Error: "), lines[0]
        assert "internal error" not in lines[0], lines[0]
        for fragment in case.fragments:
            assert fragment in lines[0], (fragment, lines[0])
    assert _snapshot(tmp_path) == before             # inputs unchanged, nothing written beside them


def test_net_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "net.json"
    big.write_bytes(b"[" + b"1," * 600_000 + b"1]")
    r = invoke("backprop", "--net", str(big), "--max-elements", "10")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Error: --net:") and "over the limit" in r.stderr


def test_control_characters_are_never_echoed_raw(run):
    line = assert_user_error(run("activate", "relu", "1 X\x1bcY\x07"), "VALUES")
    assert "\x1b" not in line and "\x07" not in line and "'X\\x1bcY\\x07'" in line


def test_activate_plot_without_uniplot(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "uniplot", None)         # `import uniplot` now raises ImportError
    line = assert_user_error(run("activate", "relu", "1", "--plot"), "--plot")
    assert line == "Error: --plot: needs the uniplot package: pip install uniplot"


# ------------------------------------------------------- a generated family of hostile inputs

HOSTILE_PIECES = ["1", "-0", "1e308", "1e999", "9" * 401, "nan", "inf", "-inf", "1_0", "0x1F", "１", "[", "]",
                  "{", "}", ";", "|", ",", " ", "\n", "\r", "\t", "\x00", "\x1b", "\u00a0", "#", "\"", "'",
                  "σ", "e", ".", "-", "+", "\ufeff", "\ud7ff", '{"result":', "[[1,2],[3]]", "1e", "..."]

COMMAND_LINES = [
    lambda v: ["activate", "relu", v],
    lambda v: ["activate", "softmax", v, "--format", "json"],
    lambda v: ["conv", v, "1 0; 0 1", "-q"],
    lambda v: ["conv", "1 2 3; 4 5 6; 7 8 9", v],
    lambda v: ["pool", v, "--size", "2"],
    lambda v: ["loss", v, "1 0"],
    lambda v: ["outsize", v, "--kernel", "3"],
    lambda v: ["backprop", "--weights", v, "--input", "1", "--target", "1"],
    lambda v: ["activate", "relu", "-"],
]


@pytest.mark.filterwarnings("ignore")
def test_hostile_inputs_never_end_in_an_internal_error():
    from hypothesis import HealthCheck, given, settings, strategies as st

    value = st.one_of(st.lists(st.sampled_from(HOSTILE_PIECES), max_size=12).map("".join),
                      st.text(max_size=30))
    where = st.sampled_from(range(len(COMMAND_LINES)))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value, where, st.sampled_from(["10", "1000000"]))
    def check(v, i, max_elements):
        args = COMMAND_LINES[i](v) + ["--max-elements", max_elements]
        r = invoke(*args, input=v.encode("utf-8", "surrogatepass") if args[-3] == "-" else b"")
        assert "internal error" not in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        assert r.exit_code in (0, 2), (args, r.exit_code, r.stderr)
        if r.exit_code == 2:
            assert r.stdout == "" and len(r.stderr.splitlines()) == 1 and r.stderr.startswith("Error: ")
            assert not any(c in r.stderr[:-1] for c in "\x1b\x00\x07"), r.stderr

    check()
