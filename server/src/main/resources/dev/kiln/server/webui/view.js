// The messages of one conversation as DOM: user bubbles (edit, copy), assistant replies (reasoning apart and collapsed,
// tool calls, Markdown, the stats line, regenerate, copy). Streaming replies are updated in place.

import {renderMarkdown} from './markdown.js';
import {copyText, el, icon, iconButton, seconds} from './ui.js';

export function statsText(msg) {
  const s = msg.stats;
  if (!s) {
    return msg.stopped ? 'stopped' : '';
  }
  const parts = [];
  if (msg.stopped) {
    parts.push('stopped');
  }
  parts.push((s.estimated ? '~' : '') + s.completionTokens + ' tokens');
  if (s.tokensPerSecond != null) {
    parts.push(s.tokensPerSecond.toFixed(1) + ' tokens/s');
  }
  if (s.promptTokens != null) {
    parts.push('prompt ' + s.promptTokens + ' tokens' + (s.cachedTokens ? ' (' + s.cachedTokens + ' cached)' : ''));
  }
  if (s.totalMs != null) {
    parts.push(seconds(s.totalMs));
  }
  return parts.join(' · ');
}

export class MessagesView {
  /**
   * @param handlers {edit(msg, text), regenerate(msg), toolResults(msg, results), busy()}
   */
  constructor(container, empty, handlers) {
    this.container = container;
    this.empty = empty;
    this.handlers = handlers;
    this.parts = new Map();          // message id -> {node, update}
  }

  render(conversation) {
    this.parts.clear();
    const messages = conversation?.messages ?? [];
    const nodes = [];
    messages.forEach((m, i) => {
      const part = m.role === 'user' ? this.userPart(m)
          : m.role === 'tool' ? this.toolResultPart(m)
          : this.assistantPart(m, i === messages.length - 1);
      this.parts.set(m.id, part);
      part.update(m);
      nodes.push(part.node);
    });
    this.empty.hidden = nodes.length > 0;
    this.container.replaceChildren(this.empty, ...nodes);
  }

  /** Refreshes one message's node (a streaming reply). */
  update(msg) {
    const stick = this.nearBottom();
    this.parts.get(msg.id)?.update(msg);
    if (stick) {
      this.scrollToBottom();
    }
  }

  nearBottom() {
    const c = this.container;
    return c.scrollHeight - c.scrollTop - c.clientHeight < 120;
  }

  scrollToBottom() {
    this.container.scrollTop = this.container.scrollHeight;
  }

  userPart(msg) {
    const text = el('div', 'bubble');
    const actions = el('div', 'actions',
        iconButton('edit', 'Edit and resend', () => this.startEdit(node, msg)),
        iconButton('copy', 'Copy', e => copyText(msg.content, e.currentTarget)));
    const node = el('article', 'msg user', text, actions);
    node.dataset.id = msg.id;
    return {node, update: m => { text.textContent = m.content; }};
  }

  startEdit(node, msg) {
    if (this.handlers.busy()) {
      return;
    }
    const area = el('textarea', 'edit-area');
    area.value = msg.content;
    area.rows = Math.min(12, msg.content.split('\n').length + 1);
    const send = el('button', 'button primary', 'Send');
    send.type = 'button';
    const cancel = el('button', 'button ghost', 'Cancel');
    cancel.type = 'button';
    const editor = el('div', 'editor', area, el('div', 'editor-actions', cancel, send));
    const shown = [...node.children];
    shown.forEach(c => { c.hidden = true; });
    node.append(editor);
    node.classList.add('editing');
    area.focus();
    const close = () => {
      editor.remove();
      node.classList.remove('editing');
      shown.forEach(c => { c.hidden = false; });
    };
    cancel.addEventListener('click', close);
    send.addEventListener('click', () => {
      if (area.value.trim()) {
        close();
        this.handlers.edit(msg, area.value);
      }
    });
    area.addEventListener('keydown', e => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send.click();
      } else if (e.key === 'Escape') {
        close();
      }
    });
  }

  toolResultPart(msg) {
    const body = el('pre', 'tool-result-text');
    const node = el('article', 'msg tool-result',
        el('div', 'tool-head', icon('tool'), el('span', null, 'Tool result'), el('code', null, msg.name ?? msg.toolCallId ?? '')),
        body);
    node.dataset.id = msg.id;
    return {node, update: m => { body.textContent = m.content; }};
  }

  assistantPart(msg, last) {
    const summary = el('summary', 'reasoning-summary');
    const thoughts = el('div', 'reasoning-text');
    const reasoning = el('details', 'reasoning', summary, thoughts);
    const tools = el('div', 'tool-calls');
    const content = el('div', 'content markdown');
    const typing = el('div', 'typing', el('span'), el('span'), el('span'));
    const error = el('div', 'msg-error');
    const stats = el('div', 'stats');
    const regenerate = iconButton('regenerate', 'Regenerate', () => this.handlers.regenerate(msg));
    regenerate.classList.add('regenerate');
    const copy = iconButton('copy', 'Copy', e => copyText(msg.content ?? '', e.currentTarget));
    const actions = el('div', 'actions', copy, regenerate);
    const results = el('div', 'tool-results-form');
    const node = el('article', 'msg assistant', reasoning, tools, content, typing, error, results, el('div', 'msg-foot', stats, actions));
    node.dataset.id = msg.id;
    let shownContent = null;
    let shownCalls = null;
    const update = m => {
      reasoning.hidden = !m.reasoning;
      if (m.reasoning) {
        summary.textContent = m.thinkingMs != null ? 'Thought for ' + seconds(m.thinkingMs)
            : 'Thinking… ' + seconds(performance.now() - (m.thinkingStart ?? performance.now()));
        thoughts.textContent = m.reasoning;
      }
      const calls = JSON.stringify(m.toolCalls ?? []);
      if (calls !== shownCalls) {
        shownCalls = calls;
        tools.replaceChildren(...(m.toolCalls ?? []).map(toolCallNode));
      }
      if ((m.content ?? '') !== shownContent) {
        shownContent = m.content ?? '';
        renderMarkdown(content, shownContent);
      }
      content.hidden = !m.content;
      typing.hidden = !(m.pending && !m.content && !m.reasoning && !(m.toolCalls?.length));
      error.hidden = !m.error;
      error.textContent = m.error ? 'Error: ' + m.error : '';
      stats.textContent = statsText(m);
      actions.hidden = !!m.pending;
      results.replaceChildren();
      if (last && !m.pending && m.toolCalls?.length) {
        results.append(this.toolResultsForm(m));
      }
      node.classList.toggle('pending', !!m.pending);
    };
    return {node, update};
  }

  /** After a reply that called tools: one box per call for its result, sent back as role "tool" messages. */
  toolResultsForm(msg) {
    const areas = msg.toolCalls.map(call => {
      const area = el('textarea', 'edit-area');
      area.rows = 2;
      area.placeholder = 'Result of ' + call.name + ' (sent as a "tool" message)';
      return area;
    });
    const send = el('button', 'button primary', 'Send results');
    send.type = 'button';
    send.addEventListener('click', () => {
      if (!this.handlers.busy()) {
        this.handlers.toolResults(msg, msg.toolCalls.map((call, i) => ({call, content: areas[i].value})));
      }
    });
    return el('div', 'editor', ...areas, el('div', 'editor-actions', send));
  }
}

function toolCallNode(call) {
  let args = call.arguments ?? '';
  try {
    args = JSON.stringify(JSON.parse(args), null, 2);
  } catch (e) {
    // still streaming or not JSON: show as received
  }
  const code = el('code', 'hljs language-json');
  code.innerHTML = window.hljs.highlight(args, {language: 'json', ignoreIllegals: true}).value;   // escapes
  return el('div', 'tool-call',
      el('div', 'tool-head', icon('tool'), el('span', null, 'Tool call'), el('code', 'tool-name', call.name ?? '')),
      el('pre', null, code));
}
