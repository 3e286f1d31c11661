"""A Monte Carlo's chunks on a Dask cluster, reduced on the workers.

The compiled firm, the parameters and the exposure are scattered to every worker once. Each chunk of paths
(the same chunks, drawn from the same child seeds, as on the local engine) is a task that simulates and
reduces its paths to a ``PathSummary``; summaries are merged in a tree of ``FAN_IN``-way merges on the workers,
and the merged summary is turned into the result (``finish``) on a worker too: the client receives the
result, a few kilobytes, whatever the number of paths. The merge is exact and associative, so the tree gives
the same bytes as the local engine's merge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stress.analysis.engines import EngineChoice, EngineError
from stress.analysis.engines.dask_cluster import dask_client
from stress.analysis.path_summary import NonFiniteCash, PathSummary, merge

if TYPE_CHECKING:
    from distributed import Client, Future

    from stress.analysis.montecarlo import Chunk, Claim, MonteCarloResult
    from stress.engine.compiled import CompiledCompany
    from stress.model.montecarlo import MonteCarloParams

FAN_IN = 8  # summaries merged per merge task: a tree of depth log8(chunks), 5 levels for 100 million paths


def _simulate(shared: tuple[CompiledCompany, MonteCarloParams, Claim], part: Chunk) -> PathSummary:
    from stress.analysis.montecarlo import simulate_chunk

    cc, params, exposure = shared
    return simulate_chunk(cc, params, exposure, part)


def _merge_tree(client: Client, level: list[Future]) -> Future:
    """One future of the merge of ``level``, in order, through FAN_IN-way merges on the workers."""
    while len(level) > 1:
        level = [client.submit(merge, *level[i:i + FAN_IN], pure=False) for i in range(0, len(level), FAN_IN)]
    return level[0]


def simulate_on_dask(choice: EngineChoice, cc: CompiledCompany, params: MonteCarloParams, exposure: Claim,
                     parts: list[Chunk], jobs: int | None, advance: Callable[[float], None],
                     finish: Callable[[PathSummary], tuple[NonFiniteCash | None, MonteCarloResult]],
                     ) -> tuple[NonFiniteCash | None, MonteCarloResult]:
    """Every chunk on the cluster, merged and finished there; ``advance(n)`` as each chunk of ``n`` paths
    finishes."""
    with dask_client(choice, jobs) as client:  # first: without Dask it says how to install it
        from distributed import KilledWorker, as_completed

        shared = client.scatter((cc, params, exposure), broadcast=True, hash=False)
        leaves = [client.submit(_simulate, shared, part, pure=False) for part in parts]
        paths = {f.key: part.n for f, part in zip(leaves, parts, strict=True)}
        result = client.submit(finish, _merge_tree(client, leaves), pure=False)
        done = as_completed(leaves, loop=client.loop)
        del leaves  # the client holds no chunk: each is released once merged on the workers
        try:
            for finished in done:
                advance(paths[finished.key])
            return result.result()  # type: ignore[no-any-return]
        except KilledWorker as err:
            raise EngineError(f"a chunk of paths killed the Dask worker running it each time it was tried "
                              f"(distributed.scheduler.allowed-failures); no result: {err}") from None
