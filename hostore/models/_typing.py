"""The bases of the stores' mixins, as the type checker sees them: the model they are mixed
into (its manager, ``_meta``, ``save``...) and, for the chunk store's mixins, what
:class:`TimeseriesChunkStore` adds. At run time both are plain ``object``: the mixins get
all of it from the concrete store class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

if TYPE_CHECKING:
    from ._setup import StoreInfo

    class ModelMixinBase(models.Model):
        class Meta:
            abstract = True

    class ChunkStoreMixinBase(models.Model):
        _hostore: ClassVar[StoreInfo]

        @classmethod
        def _window(
            cls, start: Any, end: Any
        ) -> tuple[int | None, int | None, int | None, int | None]: ...

        class Meta:
            abstract = True

else:
    ModelMixinBase = ChunkStoreMixinBase = object
