"""The lightweight Core clauses of ledger/tables.py (what `oigwatch changes` reads without the
ORM) name real columns of ledger/models.py, with the same type and time zone handling."""

from __future__ import annotations

import pytest
from sqlalchemy import DateTime

from ledger import tables
from ledger.models import Base

LIGHT = [tables.change_events, tables.sources, tables.report_mutes]


@pytest.mark.parametrize("light", LIGHT, ids=lambda t: t.name)
def test_every_light_column_is_the_models_column(light: object) -> None:
    real = Base.metadata.tables[light.name]  # type: ignore[attr-defined]
    for column in light.c:  # type: ignore[attr-defined]
        assert column.name in real.c, f"{light.name}.{column.name} is not in ledger/models.py"
        model = real.c[column.name].type
        assert isinstance(column.type, model._type_affinity or type(model)), (
            f"{light.name}.{column.name}: {column.type!r} here, {model!r} in the models"
        )
        if isinstance(model, DateTime):
            assert column.type.timezone == model.timezone, column.name  # type: ignore[attr-defined]


def test_a_wrong_column_would_be_caught() -> None:
    from sqlalchemy import Integer, column, table

    wrong = table("change_events", column("detected", Integer))
    assert "detected" not in Base.metadata.tables[wrong.name].c
