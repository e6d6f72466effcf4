// The chat page: wires the conversation list, the composer, streaming replies, settings and the API key together.

import {Api, ApiError} from './api.js';
import {Store, newId} from './store.js';
import {MessagesView} from './view.js';
import {el, icon, iconButton, toast} from './ui.js';

const $ = id => document.getElementById(id);

const store = new Store();
const api = new Api(() => store.apiKey());
let server = {model: null, props: null};
let streaming = null;                 // {controller, conversation, msg} while a reply streams

const view = new MessagesView($('messages'), $('empty'), {
  edit: (msg, text) => editAndResend(msg, text),
  regenerate: msg => regenerate(msg),
  toolResults: (msg, results) => sendToolResults(msg, results),
  busy: () => streaming != null,
});

// ---- connection, model info and the API key ----

async function connect() {
  try {
    const models = await api.get('v1/models');
    server.model = models.data?.[0]?.id ?? 'model';
    server.props = await api.get('props').catch(() => null);
    showServer();
  } catch (e) {
    if (e.status === 401) {
      askKey(store.apiKey() ? 'That key was refused: ' + e.message : null);
    } else {
      $('model-name').textContent = e.status === 503 ? 'loading the model…' : 'server unreachable, retrying…';
      setTimeout(connect, e.status === 503 ? 1000 : 3000);
    }
  }
}

function showServer() {
  $('model-name').textContent = server.model;
  const p = server.props;
  const ctx = p?.default_generation_settings?.n_ctx;
  $('model-info').textContent = ctx ? ctx.toLocaleString('en-US') + ' tokens of context' + (p.total_slots > 1
      ? ' · ' + p.total_slots + ' slots' : '') : '';
  document.title = server.model + ' · Kiln';
  const info = $('server-info');
  const rows = [['Model', server.model]];
  if (p) {
    rows.push(['Context per slot', ctx + ' tokens'], ['Slots', String(p.total_slots)], ['Build', p.build_info]);
  }
  info.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', null, k), el('dd', null, v ?? '')]));
  fillSettingsPlaceholders();
}

function askKey(error) {
  const dialog = $('key-dialog');
  $('key-error').hidden = !error;
  $('key-error').textContent = error ?? '';
  dialog.hidden = false;
  $('key-input').value = '';
  $('key-input').focus();
}

$('key-form').addEventListener('submit', e => {
  e.preventDefault();
  const key = $('key-input').value.trim();
  if (!key) {
    return;
  }
  store.setApiKey(key);
  $('key-dialog').hidden = true;
  $('forget-key').hidden = false;
  connect();
});

$('forget-key').addEventListener('click', () => {
  store.setApiKey(null);
  $('forget-key').hidden = true;
  toast('The API key is forgotten');
  connect();
});

// ---- conversations ----

function currentConversation() {
  return store.current();
}

function showConversation() {
  view.render(currentConversation());
  view.scrollToBottom();
  renderList();
}

function renderList() {
  const list = $('conversations');
  list.replaceChildren(...store.sorted().map(c => {
    const open = el('button', 'conv-open', c.title);
    open.type = 'button';
    open.title = c.title;
    open.addEventListener('click', () => {
      store.select(c.id);
      showConversation();
      closeSidebar();
    });
    const item = el('li', 'conv' + (c.id === store.currentId ? ' active' : ''), open,
        el('span', 'conv-actions',
            iconButton('rename', 'Rename', () => startRename(item, c)),
            iconButton('trash', 'Delete', () => {
              if (confirm('Delete the conversation "' + c.title + '"?')) {
                if (streaming?.conversation === c) {
                  streaming.controller.abort();
                }
                store.remove(c.id);
                showConversation();
              }
            })));
    item.dataset.id = c.id;
    return item;
  }));
}

function startRename(item, c) {
  const input = el('input', 'rename-input');
  input.value = c.title;
  input.setAttribute('aria-label', 'New name');
  item.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = save => {
    if (done) {
      return;
    }
    done = true;
    if (save && input.value.trim()) {
      store.rename(c, input.value);
    }
    renderList();
  };
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter') {
      finish(true);
    } else if (e.key === 'Escape') {
      finish(false);
    }
  });
  input.addEventListener('blur', () => finish(true));
}

$('new-chat').addEventListener('click', () => {
  const c = currentConversation();
  if (!c || c.messages.length > 0) {
    store.create();
  }
  showConversation();
  closeSidebar();
  $('prompt').focus();
});

function download(name, conversations) {
  const json = JSON.stringify({format: 'kiln-chat', version: 1, exported: new Date().toISOString(), conversations},
      null, 2);
  const url = URL.createObjectURL(new Blob([json], {type: 'application/json'}));
  const a = el('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('export-chat').addEventListener('click', () => {
  const c = currentConversation();
  if (!c) {
    toast('No conversation to export');
    return;
  }
  const slug = c.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'chat';
  download('kiln-' + slug + '.json', [c]);
});

$('export-all').addEventListener('click', () => download('kiln-conversations.json', store.sorted()));

// ---- sending and streaming ----

function settingNumber(value) {
  return value == null || String(value).trim() === '' ? null : Number(value);
}

function requestBody(conversation) {
  const s = store.settings();
  const messages = [];
  if (s.system?.trim()) {
    messages.push({role: 'system', content: s.system});
  }
  for (const m of conversation.messages) {
    if (m.pending) {
      continue;
    }
    if (m.role === 'user') {
      messages.push({role: 'user', content: m.content});
    } else if (m.role === 'tool') {
      messages.push({role: 'tool', tool_call_id: m.toolCallId, content: m.content});
    } else if (m.content || m.toolCalls?.length) {
      const a = {role: 'assistant', content: m.content ?? ''};
      if (m.toolCalls?.length) {
        a.tool_calls = m.toolCalls.map(c => ({id: c.id, type: 'function', function: {name: c.name, arguments: c.arguments}}));
      }
      messages.push(a);
    }
  }
  const body = {messages, stream: true, stream_options: {include_usage: true}};
  const fields = {temperature: s.temperature, top_p: s.topP, max_tokens: s.maxTokens, reasoning_budget: s.reasoningBudget};
  for (const [name, value] of Object.entries(fields)) {
    const n = settingNumber(value);
    if (n != null) {
      body[name] = n;
    }
  }
  const tools = parseTools(s.tools);
  if (tools?.length) {
    body.tools = tools;
  }
  return body;
}

function parseTools(text) {
  if (!text?.trim()) {
    return null;
  }
  const tools = JSON.parse(text);
  if (!Array.isArray(tools)) {
    throw new Error('Tools must be a JSON array');
  }
  return tools;
}

function setBusy(busy) {
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  document.body.classList.toggle('busy', busy);
}

async function generate(conversation) {
  let body;
  try {
    body = requestBody(conversation);
  } catch (e) {
    toast('Settings: ' + e.message);
    openSettings();
    return;
  }
  const msg = {id: newId(), role: 'assistant', content: '', reasoning: '', pending: true};
  conversation.messages.push(msg);
  store.save(conversation);
  const controller = new AbortController();
  streaming = {controller, conversation, msg};
  setBusy(true);
  if (store.currentId === conversation.id) {
    view.render(conversation);
    view.scrollToBottom();
  }
  renderList();

  const started = performance.now();
  let first = null;
  let last = null;
  let chunks = 0;
  let usage = null;
  let frame = 0;
  let saved = started;
  const calls = [];
  const refresh = () => {
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (store.currentId === conversation.id) {
          view.update(msg);
        }
      });
    }
  };
  const ticker = setInterval(() => {                     // the thinking timer moves while nothing arrives
    if (msg.reasoning && msg.thinkingMs == null) {
      refresh();
    }
  }, 200);
  try {
    for await (const chunk of api.chat(body, controller.signal)) {
      if (chunk.usage) {
        usage = chunk.usage;
      }
      const delta = chunk.choices?.[0]?.delta;
      if (!delta) {
        continue;
      }
      const now = performance.now();
      if (delta.reasoning_content) {
        msg.thinkingStart ??= now;
        msg.reasoning += delta.reasoning_content;
      }
      if (delta.content || delta.tool_calls) {
        if (msg.thinkingStart != null && msg.thinkingMs == null) {
          msg.thinkingMs = now - msg.thinkingStart;
        }
      }
      if (delta.content) {
        msg.content += delta.content;
      }
      for (const t of delta.tool_calls ?? []) {
        const call = calls[t.index ?? 0] ??= {id: t.id, name: '', arguments: ''};
        call.id = t.id ?? call.id;
        call.name += t.function?.name ?? '';
        call.arguments += t.function?.arguments ?? '';
        msg.toolCalls = calls.filter(Boolean);
      }
      if (delta.content || delta.reasoning_content || delta.tool_calls) {
        first ??= now;
        last = now;
        chunks++;
      }
      refresh();
      if (now - saved > 1000) {
        saved = now;
        store.save(conversation);
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') {
      msg.stopped = true;
    } else {
      msg.error = e.message;
      if (e instanceof ApiError && e.status === 401) {
        askKey('The server asks for an API key: ' + e.message);
      }
    }
  } finally {
    clearInterval(ticker);
    cancelAnimationFrame(frame);
  }
  const end = performance.now();
  if (msg.thinkingStart != null && msg.thinkingMs == null) {
    msg.thinkingMs = (last ?? end) - msg.thinkingStart;
  }
  delete msg.thinkingStart;
  msg.pending = false;
  if (chunks > 0 || usage) {
    const tokens = usage ? usage.completion_tokens : chunks;
    // streamed token by token: the rate between the first and the last token; held back (a tool call is sent
    // whole once parsed): the tokens over the whole request
    const streamed = chunks >= tokens / 2 && last > first;
    const seconds = streamed ? (last - first) / 1000 : (end - started) / 1000;
    const counted = streamed ? tokens - 1 : tokens;
    msg.stats = {
      completionTokens: tokens,
      estimated: !usage,
      tokensPerSecond: counted > 0 && seconds > 0 ? counted / seconds : null,
      promptTokens: usage?.prompt_tokens ?? null,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      firstTokenMs: first != null ? first - started : null,
      totalMs: end - started,
    };
  }
  streaming = null;
  setBusy(false);
  store.save(conversation);
  if (store.currentId === conversation.id) {
    view.render(conversation);
  }
  renderList();
}

function send() {
  const text = $('prompt').value;
  if (!text.trim() || streaming) {
    return;
  }
  const conversation = currentConversation() ?? store.create();
  conversation.messages.push({id: newId(), role: 'user', content: text});
  $('prompt').value = '';
  autoGrow();
  generate(conversation);
}

function regenerate(msg) {
  const c = currentConversation();
  const i = c?.messages.indexOf(msg) ?? -1;
  if (streaming || i < 0) {
    return;
  }
  c.messages.splice(i);
  generate(c);
}

function editAndResend(msg, text) {
  const c = currentConversation();
  const i = c?.messages.indexOf(msg) ?? -1;
  if (streaming || i < 0) {
    return;
  }
  msg.content = text;
  c.messages.splice(i + 1);
  generate(c);
}

function sendToolResults(msg, results) {
  const c = currentConversation();
  for (const r of results) {
    c.messages.push({id: newId(), role: 'tool', toolCallId: r.call.id, name: r.call.name, content: r.content});
  }
  generate(c);
}

$('composer').addEventListener('submit', e => {
  e.preventDefault();
  send();
});

$('stop').addEventListener('click', () => streaming?.controller.abort());

function autoGrow() {
  const p = $('prompt');
  p.style.height = 'auto';
  p.style.height = Math.min(p.scrollHeight, 240) + 'px';
}

$('prompt').addEventListener('input', autoGrow);
$('prompt').addEventListener('keydown', e => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});

// ---- settings ----

const SETTING_INPUTS = {
  system: 'set-system', temperature: 'set-temperature', topP: 'set-top-p', maxTokens: 'set-max-tokens',
  reasoningBudget: 'set-reasoning-budget', tools: 'set-tools',
};

function fillSettingsPlaceholders() {
  const d = server.props?.default_generation_settings?.params;
  if (d) {
    $('set-temperature').placeholder = String(d.temperature);
    $('set-top-p').placeholder = String(d.top_p);
    $('set-max-tokens').placeholder = String(d.max_tokens ?? -1);
    $('set-reasoning-budget').placeholder = String(d.reasoning_budget ?? -1);
  }
}

function openSettings() {
  const s = store.settings();
  for (const [key, id] of Object.entries(SETTING_INPUTS)) {
    $(id).value = s[key] ?? '';
  }
  $('forget-key').hidden = !store.apiKey();
  $('settings').hidden = false;
  document.body.classList.add('settings-open');
}

function closeSettings() {
  $('settings').hidden = true;
  document.body.classList.remove('settings-open');
}

for (const [key, id] of Object.entries(SETTING_INPUTS)) {
  $(id).addEventListener('input', () => {
    const s = store.settings();
    s[key] = $(id).value;
    store.saveSettings(s);
    if (key === 'tools') {
      let problem = null;
      try {
        parseTools(s.tools);
      } catch (e) {
        problem = e.message;
      }
      $('tools-error').hidden = !problem;
      $('tools-error').textContent = problem ?? '';
    }
  });
}

$('open-settings').addEventListener('click', () => ($('settings').hidden ? openSettings() : closeSettings()));
$('close-settings').addEventListener('click', closeSettings);
document.addEventListener('keydown', e => {
  if (e.key === 'Escape' && !$('settings').hidden) {
    closeSettings();
  }
});

// ---- theme and the narrow-screen sidebar ----

function showThemeButton() {
  const dark = document.documentElement.dataset.theme === 'dark';
  $('theme').replaceChildren(icon(dark ? 'sun' : 'moon'));
  $('theme').title = dark ? 'Light theme' : 'Dark theme';
}

$('theme').addEventListener('click', () => {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem('kiln.theme', next);
  } catch (e) {
    // not kept: still switched for this visit
  }
  showThemeButton();
});

function closeSidebar() {
  $('sidebar').classList.remove('open');
  $('backdrop').hidden = true;
}

$('menu').addEventListener('click', () => {
  $('sidebar').classList.add('open');
  $('backdrop').hidden = false;
});
$('backdrop').addEventListener('click', closeSidebar);

// ---- start ----

$('menu').append(icon('menu'));
$('open-settings').append(icon('settings'));
$('close-settings').append(icon('close'));
$('send').append(icon('send'));
$('stop').append(icon('stop'));
showThemeButton();
showConversation();
connect();
$('prompt').focus();
