"""The hooks screen: every inbound hook with the workflow it starts (flagged when that
workflow is gone), its input mapping, when it was made and its deliveries. `n` makes one (its
secret shown once), `R` gives the highlighted one a new secret (shown once) and `d` deletes it,
each after a confirm; enter opens the execution its last delivery started; each action says
what it did in a toast.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from harmonia.client import ApiError, Hook, WorkflowInfo
from harmonia_tui.format import local_time
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.filtering import LISTING_KEYS, ListingScreen, filter_key
from harmonia_tui.screens.hook_forms import HookForm, HookFormScreen, HookSecretScreen

__all__ = ["HooksScreen", "mapping_text"]

WORKFLOWS_LISTED = 1000


def mapping_text(hook: Hook) -> str:
    if not hook.input_map:
        return "the body is the input"
    return ", ".join(f"{name}={pointer or '(body)'}" for name, pointer in hook.input_map.items())


class HooksScreen(ListingScreen[Hook]):
    TITLE = "Hooks"
    COLUMNS = ("name", "workflow", "mapping", "created", "deliveries", "last delivery")
    NOUN = "hooks"
    FILTER_BY = "name or workflow"
    KEY = "name"
    NONE = "No hooks. n makes one."

    BINDINGS = [
        Binding("enter", "open_last", "Open last run", priority=True,
                tooltip="Open the execution the hook's last delivery started"),
        filter_key(FILTER_BY),
        Binding("n", "new_hook", "New", tooltip="Make a hook; its secret is shown once"),
        Binding("d", "delete_hook", "Delete", tooltip="Delete the highlighted hook"),
        Binding("R", "rotate_secret", "Rotate", tooltip="Give the hook a new secret"),
        *LISTING_KEYS,
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.workflows: dict[str, WorkflowInfo] = {}

    async def listing(self) -> list[Hook]:
        """The hooks, and the stored workflows they name (to show names, and which is gone)."""
        client = self.harmonia.connection.client
        workflows = await client.list_workflows(limit=WORKFLOWS_LISTED)
        self.workflows = {w.id: w for w in workflows.items}
        return await client.list_hooks()

    def workflow_cell(self, hook: Hook) -> Text:
        found = self.workflows.get(hook.workflow_id)
        if found is None:
            return Text(f"deleted: {hook.workflow_id}", style="bold red")
        return Text(f"{found.name} ({hook.workflow_id})")

    def haystack(self, item: Hook) -> str:
        return f"{item.name} {self.workflow_cell(item).plain}"

    def cells(self, item: Hook) -> tuple[Text | str, ...]:
        last = item.last_delivery
        return (
            Text(item.name, style="bold"),
            self.workflow_cell(item),
            mapping_text(item),
            local_time(item.created_at),
            str(item.deliveries),
            f"{local_time(last.at)} → {last.execution_id}" if last is not None else "-",
        )

    # ---- actions ----------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        hook = self.highlighted()
        if action in ("delete_hook", "rotate_secret", "open_last") and hook is None:
            return "No hook is highlighted."
        if action == "open_last" and hook is not None and hook.last_delivery is None:
            return f"{hook.name} has started nothing yet"
        return super().unavailable(action)

    def last_run(self, item: Hook) -> str | None:
        return item.last_delivery.execution_id if item.last_delivery is not None else None

    def action_new_hook(self) -> None:
        hook = self.highlighted()
        suggested = hook.workflow_id if hook is not None else ""
        if not suggested and self.workflows:
            suggested = next(iter(self.workflows))
        self._open_form(HookFormScreen(suggested))

    def _open_form(self, form_screen: HookFormScreen) -> None:
        def made(form: HookForm | None) -> None:
            if form is not None:
                self.start_task(lambda: self._create(form), group="hook", exclusive=True)

        self.app.push_screen(form_screen, made)

    async def _create(self, form: HookForm) -> None:
        """Make the hook; a refusal (a bad name, an unknown workflow, a mapping the workflow
        does not take) opens the form again as typed, with the daemon's reason."""
        by_name = [w.id for w in self.workflows.values() if w.name == form.workflow]
        workflow_id = form.workflow if form.workflow in self.workflows else None
        workflow_id = workflow_id or (by_name[0] if len(by_name) == 1 else form.workflow)
        client = self.harmonia.connection.client
        refusal: list[str] = []

        async def creating() -> Hook:
            try:
                return await client.create_hook(
                    form.name, workflow_id, input_map=form.input_map, description=form.description
                )
            except ApiError as exc:
                refusal.extend(exc.message_lines())
                raise

        hook = await self.harmonia.api(creating(), what=f"creating hook {form.name}")
        if hook is None:
            if refusal and not isinstance(self.app.screen, HookFormScreen):
                self._open_form(HookFormScreen(refused=form, problem="\n".join(refusal)))
            return
        self.notify(
            f"hook {hook.name} created: it starts {workflow_id}", title="Hook", markup=False
        )
        self.app.push_screen(HookSecretScreen(hook, self.harmonia.connection.url))
        await self._load()

    def action_delete_hook(self) -> None:
        self.with_highlighted(self._delete, group="hook", ask=self._delete_question)

    def _delete_question(self, hook: Hook) -> ConfirmScreen:
        return ConfirmScreen(
            f"Delete hook {hook.name}?",
            [
                f"It starts workflow {self.workflow_cell(hook).plain}.",
                "Its senders' deliveries are refused (404) from now on; the executions "
                "it started stay.",
            ],
            yes="Delete hook",
            no="Keep it",
        )

    def action_rotate_secret(self) -> None:
        self.with_highlighted(self._rotate, group="hook", ask=_rotate_question)

    async def _rotate(self, hook: Hook) -> None:
        client = self.harmonia.connection.client
        rotated = await self.harmonia.api(
            client.rotate_hook_secret(hook.name), what=f"rotating the secret of {hook.name}"
        )
        if rotated is None:
            return
        self.notify(f"hook {hook.name}: secret rotated", title="Hook", markup=False)
        self.app.push_screen(HookSecretScreen(rotated, self.harmonia.connection.url))
        await self._load()

    async def _delete(self, hook: Hook) -> None:
        client = self.harmonia.connection.client

        async def deleted() -> bool:
            await client.delete_hook(hook.name)  # answers nothing: None is not a failure here
            return True

        if not await self.harmonia.api(deleted(), what=f"deleting hook {hook.name}"):
            return
        self.notify(f"hook {hook.name} deleted", title="Hook", markup=False)
        await self._load()


def _rotate_question(hook: Hook) -> ConfirmScreen:
    return ConfirmScreen(
        f"Give hook {hook.name} a new secret?",
        [
            "The old secret stops working at once: deliveries signed with it are "
            "refused (401) until the senders have the new one, shown next, once.",
        ],
        yes="Rotate",
        no="Keep it",
    )
