"""The user chat widget (Gradio Blocks): messages, Sources, Confirm / Cancel, feedback.

The chat component is display-only as far as the server is concerned: every handler reads
the server-side ``ChatSession`` from ``gr.State`` and re-renders the history from it.

Event wiring: a typed message (Enter, Send, an example, Confirm, Cancel) is first shown
at once (``_show``: queued, but with no concurrency limit, so it never waits behind
answers), then answered on the queue (``_answer``). Every public event is queued: the
un-queued routes are closed (``assistant.web.guards``). Clients of
the HTTP API get one public endpoint, ``/chat`` (message in; chat history and the Reply
JSON out), on a hidden trigger so the UI's two-step flow stays private.

A reload keeps the conversation: the tab holds a resume token in sessionStorage, and the
page's load event gets the chat (and any pending request) back by it. Every message sent
carries the token too: on a loaded server it can arrive before the restore, and it then
resumes the same chat itself, so it joins the earlier conversation and nothing on screen
is replaced. Cancel shows from the first step of a rights request; Confirm once the
summary is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.contract import Reply
from assistant.web.chat_session import ChatController, ChatSession
from assistant.web.render import awaiting_confirmation, policy_note, request_open
from assistant.web.texts import WebTexts

ShowOutputs = tuple[ChatSession, list[dict[str, str]], Any, Any, Any, str]

# The tab keeps only a resume token, in sessionStorage: it survives a reload but not the
# tab, so a shared computer does not hand the next person this chat.
RESUME_KEY = "wa-chat-resume"
_READ_TOKEN_JS = (
    f"() => {{ try {{ return [sessionStorage.getItem('{RESUME_KEY}') || '']; }}"
    " catch (e) { return ['']; } }"
)
_KEEP_TOKEN_JS = (
    f"(token) => {{ try {{ if (token) sessionStorage.setItem('{RESUME_KEY}', token); }}"
    " catch (e) {} return []; }"
)
_FORGET_TOKEN_JS = (
    f"() => {{ try {{ sessionStorage.removeItem('{RESUME_KEY}'); }} catch (e) {{}} return []; }}"
)


def _with_token_js(inputs: int) -> str:
    """Front-end step of an event whose last input is ``resume``: the tab's stored token in
    its place (after a reload the hidden box is empty until the restore is back)."""
    return (
        f"(...args) => {{ const values = args.slice(0, {inputs}); let token = '';"
        f" try {{ token = sessionStorage.getItem('{RESUME_KEY}') || ''; }} catch (e) {{}}"
        f" values[{inputs - 1}] = token; return values; }}"
    )


def _address(request: gr.Request | None) -> str | None:
    client = getattr(request, "client", None) if request is not None else None
    return getattr(client, "host", None)


def _reply_json(reply: Reply | None) -> dict[str, Any] | None:
    return reply.model_dump(mode="json") if reply is not None else None


def _request_controls(reply: Reply | None) -> tuple[Any, Any, Any]:
    """Cancel from the first step of a request; Confirm (and its hint) at the summary."""
    confirming = awaiting_confirmation(reply)
    return (
        gr.Row(visible=request_open(reply)),
        gr.Button(visible=confirming),
        gr.Markdown(visible=confirming),
    )


def _chat_to_restore(
    controller: ChatController, not_restored: str, token: str, started: ChatSession | None
) -> ChatSession | None:
    """What a reloaded tab's load event puts back: its chat and any pending request, or None
    to leave the page alone. On a loaded server the load event can finish after a message
    was sent; that message resumed the same chat itself, so a chat that has started is left
    as it is (replacing it hid the message and its answer). Nothing to restore leaves the
    page alone; a token that finds no chat (expired) says so."""
    if not token:
        return None
    chat = controller.resume(token)
    if chat is None:
        gr.Warning(not_restored)
    return chat if started is None else None


def _restorer(
    controller: ChatController, not_restored: str, controls: int
) -> Callable[[str, ChatSession | None], tuple[Any, ...]]:
    """The load event's step: the chat a reloaded tab's token finds, its request controls,
    and whether it brought one back; else nothing changes on the page."""

    def restore(token: str, started: ChatSession | None) -> tuple[Any, ...]:
        state = _chat_to_restore(controller, not_restored, token, started)
        if state is None:
            return (gr.skip(),) * (3 + controls)  # "restored" stays False
        return state, state.chat_value(), *_request_controls(state.last_reply), True

    return restore


def build_chat(controller: ChatController, texts: WebTexts) -> gr.Blocks:
    words = texts.chat
    policy = controller.assistant.policy
    with gr.Blocks(title=words.page_title, elem_id="wa-chat-app") as demo:
        # Forgotten once idle (every event that touches the conversation refreshes it).
        session = gr.State(None, time_to_live=controller.settings.session_idle_minutes * 60)
        gr.Markdown(f"## {words.heading}\n\n{words.intro}", elem_id="wa-chat-header")
        chatbot = gr.Chatbot(
            label=words.conversation_label,
            show_label=False,  # the log region is announced as the conversation anyway
            elem_id="wa-chatbot",
            examples=[{"text": question} for question in words.examples],
            buttons=["copy"],
            feedback_options=("Like", "Dislike"),
            group_consecutive_messages=False,
            height="60vh",
            min_height=320,
        )
        with gr.Row(visible=False, elem_id="wa-confirm-row") as confirm_row:
            hint = gr.Markdown(words.confirm_hint, elem_id="wa-confirm-hint")
            confirm = gr.Button(words.confirm, variant="primary", elem_id="wa-confirm")
            cancel = gr.Button(words.cancel, variant="secondary", elem_id="wa-cancel")
        with gr.Row(equal_height=True, elem_id="wa-input-row"):
            message = gr.Textbox(
                label=words.input_label,
                placeholder=words.input_placeholder,
                lines=1,
                max_lines=6,
                scale=5,
                min_width=200,
                elem_id="wa-message",
            )
            send = gr.Button(
                words.send, variant="primary", scale=1, min_width=90, elem_id="wa-send"
            )
        gr.Markdown(policy_note(policy.title, policy.last_updated, texts), elem_id="wa-policy-note")
        reply_json = gr.JSON(visible=False)
        api_trigger = gr.Button(visible=False)
        resume = gr.Textbox(visible=False, elem_id="wa-resume")
        controls = [confirm_row, confirm, hint]

        def show(text: str, state: ChatSession | None, token: str | None) -> ShowOutputs:
            state = controller.show_user_message(state, text, token)
            return state, state.chat_value(), *_request_controls(None), state.resume_token

        def answer(state: ChatSession | None, request: gr.Request) -> tuple[Any, ...]:
            reply = controller.answer_pending(state, _address(request))
            if state is None or reply is None:
                return (gr.skip(),) * 6
            return state, state.chat_value(), _reply_json(reply), *_request_controls(reply)

        answer_outputs = [session, chatbot, reply_json, *controls]

        def chain(
            trigger: Any, fn: Callable[..., Any], inputs: list[Any], outputs: list[Any]
        ) -> None:
            inputs = [*inputs, resume]
            shown = trigger(
                fn,
                inputs,
                outputs,
                js=_with_token_js(len(inputs)),
                concurrency_limit=None,
                api_visibility="private",
            )
            shown.then(None, [resume], None, js=_KEEP_TOKEN_JS, api_visibility="private")
            shown.then(answer, [session], answer_outputs, api_visibility="private")

        def show_typed(text: str, state: ChatSession | None, token: str) -> tuple[Any, ...]:
            return ("", *show(text, state, token))

        typed_outputs = [message, session, chatbot, *controls, resume]
        chain(message.submit, show_typed, [message, session], typed_outputs)
        chain(send.click, show_typed, [message, session], typed_outputs)
        shown_outputs = [session, chatbot, *controls, resume]
        chain(
            confirm.click, lambda s, t: show(words.confirm_message, s, t), [session], shown_outputs
        )
        chain(cancel.click, lambda s, t: show(words.cancel_message, s, t), [session], shown_outputs)

        def show_example(
            state: ChatSession | None, token: str, event: gr.SelectData
        ) -> ShowOutputs:
            value = event.value if isinstance(event.value, dict) else {}
            return show(str(value.get("text", "")), state, token)

        chain(chatbot.example_select, show_example, [session], shown_outputs)

        def on_like(state: ChatSession | None, event: gr.LikeData) -> None:
            controller.feedback(state, event.index, event.liked)

        chatbot.like(on_like, [session], None, api_visibility="private")

        def restart() -> tuple[Any, ...]:
            return None, [], None, *_request_controls(None)

        chatbot.clear(
            restart, None, answer_outputs, concurrency_limit=None, api_visibility="private"
        ).then(None, None, None, js=_FORGET_TOKEN_JS, api_visibility="private")

        # Whether the load event brought a chat back: only then does it answer what that
        # chat left pending. On a fresh page the first message's own event answers it; when
        # the load event answered it too, the two raced for it and the page could end
        # without the reply (the suspected cause of a flaky browser test, tenth session).
        restored = gr.State(False)

        def answer_restored(
            state: ChatSession | None, brought_back: bool, request: gr.Request
        ) -> tuple[Any, ...]:
            return answer(state, request) if brought_back else (gr.skip(),) * len(answer_outputs)

        demo.load(
            _restorer(controller, words.not_restored, len(controls)),
            [resume, session],
            [session, chatbot, *controls, restored],
            js=_READ_TOKEN_JS,
            api_visibility="private",
        ).then(answer_restored, [session, restored], answer_outputs, api_visibility="private")

        def api_chat(text: str, state: ChatSession | None, request: gr.Request) -> tuple[Any, ...]:
            state, reply = controller.turn(state, text, _address(request))
            return state, state.chat_value(), _reply_json(reply)

        api_trigger.click(
            api_chat, [message, session], [session, chatbot, reply_json], api_name="chat"
        )
    return demo
