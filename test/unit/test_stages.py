"""The lowering stages print back as pipeline text that upstream MLIR parses as it is."""

from __future__ import annotations

import pytest
from mlir.ir import Context
from mlir.passmanager import PassManager

from mema_mlir.lowering.stages import (
    BUFFERIZE,
    LOWERING_NAME,
    STAGES,
    lowering_passes,
    named_pipelines,
)
from mema_mlir.pipeline import Pipeline


@pytest.mark.parametrize("stage", (BUFFERIZE, *STAGES), ids=lambda s: s.name)
def test_each_stage_is_an_upstream_pipeline(stage) -> None:
    with Context():
        parsed = PassManager.parse(stage.pipeline())
    assert str(parsed).startswith("builtin.module(")


def test_named_pipelines_expand_in_our_parser_and_print_back() -> None:
    pipeline = Pipeline.parse(f"builtin.module(mema-tile,{LOWERING_NAME})")
    text = str(pipeline)
    assert text == "builtin.module(mema-tile," + ",".join(lowering_passes()) + ")"
    assert Pipeline.parse(text).elements == pipeline.elements
    assert set(named_pipelines()) == {stage.name for stage in STAGES} | {LOWERING_NAME, BUFFERIZE.name}
