"""
nbconvert's ExecutePreprocessor, plus a barrier after each code cell for kernels that publish
a cell's outputs after its `idle` status.

Why: nbclient takes a cell's outputs from IOPub until the kernel says `idle` for it, and drops
whatever comes later. The messaging spec has the kernel publish the outputs first; Deno's
kernel (2.9) does not always: its outputs (stdout, display_data, execute_result) go through a
queue and `idle` is sent beside it, so under load `idle` often arrives first (measured here:
17 cells in 60 with output after `idle`, the first cells of a kernel most of all). nbclient
then records the cell with its output missing, with no error: the "dropped cell output".
Raising nbclient's iopub_timeout does not help, since nbclient stops at `idle` and never waits.

The barrier: after a cell's `idle`, run one more small cell that prints a marker and shows
it with `Deno.jupyter.display`, and keep taking the first cell's messages until both have
arrived. What a cell prints and displays while it runs is queued before the next cell runs,
in order, so once the marker is out, so is all of that: nothing is waited for by the clock,
and a cell whose output is really missing still comes out without it.

Deno also labels what it reads from a cell's stdout with the request running at that moment,
so a late line of the cell can come labelled as the barrier's: the barrier prints nothing
but its marker, so whatever else comes labelled as its stdout is given back to the cell.

Not covered, and so not relied on by the tests: the cell's value (`execute_result`). Deno
formats and sends it after the cell without waiting, so it can come even after the next
cell's outputs; flipbook's display() shows its video during the call for this reason.

Use: jupyter nbconvert --to notebook --Exporter.preprocessors=ordered_execute.BarrierExecutePreprocessor
     --BarrierExecutePreprocessor.enabled=True --BarrierExecutePreprocessor.kernel_name=NAME nb.ipynb
with this directory on PYTHONPATH.
"""
import uuid
from queue import Empty
from time import monotonic

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Bool, Integer


class BarrierExecutePreprocessor(ExecutePreprocessor):
    barrier_timeout = Integer(60, help="Seconds to wait for the barrier cell's marker.").tag(config=True)
    barrier = Bool(True, help="Run the barrier after each cell (Deno's kernel needs it; tslab does not).").tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._flipbook_parent = (parent_msg_id, cell, cell_index)
        return await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._flipbook_parent = None
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            # Also when the cell raised: its late outputs belong to it, and the next cell must
            # not start before they are out. (A CellExecutionError still propagates.)
            if self.barrier and self._flipbook_parent is not None:
                await self._barrier()

    # nbclient binds its synchronous execute_cell (what nbconvert calls) to its own
    # async_execute_cell: bind it again to this one.
    execute_cell = run_sync(async_execute_cell)

    async def _barrier(self):
        parent, cell, cell_index = self._flipbook_parent
        marker = f"flipbook-barrier-{uuid.uuid4().hex}"
        barrier = await ensure_async(self.kc.execute(f'console.log("{marker}"); await Deno.jupyter.display({{"text/plain": "{marker}"}}, {{ raw: true }});', store_history=False))
        seen = set()
        deadline = monotonic() + self.barrier_timeout
        while seen != {"stream", "display_data"}:
            remaining = deadline - monotonic()
            try:
                if remaining <= 0:
                    raise Empty
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=remaining))
            except Empty:
                raise CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for the barrier after", self.barrier_timeout, cell)
            of = msg["parent_header"].get("msg_id")

            if of == parent:
                if msg["msg_type"] == "status":
                    continue
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass
            elif of == barrier and msg["msg_type"] == "stream":
                # Deno labels what it reads from a cell's stdout and stderr with the request
                # that is running when it reads it: a line the cell printed can come labelled
                # as the barrier's. The barrier prints only its marker, so the rest is the cell's.
                text = msg["content"].get("text", "")
                if f"{marker}\n" in text:
                    seen.add("stream")
                    text = text.replace(f"{marker}\n", "", 1)
                if text:
                    late = dict(msg, content=dict(msg["content"], text=text), parent_header=dict(msg["parent_header"], msg_id=parent))
                    self.process_message(late, cell, cell_index)
            elif of == barrier and msg["msg_type"] == "display_data":
                if marker in str(msg["content"].get("data", {}).get("text/plain", "")):
                    seen.add("display_data")
