// Conversations, settings and the API key, kept in this browser's localStorage (nothing is stored on the server).
//
// conversation: {id, title, titleByUser, created, updated, messages: [message]}
// message:      {id, role: 'user' | 'assistant' | 'tool', content, reasoning?, thinkingMs?, toolCalls?: [{id, name,
//                arguments}], toolCallId?, stats?, stopped?, error?, pending?}

const CONVERSATIONS = 'kiln.conversations';
const CURRENT = 'kiln.current';
const SETTINGS = 'kiln.settings';
const API_KEY = 'kiln.apiKey';
const TITLE_LENGTH = 48;

function read(key, fallback) {
  try {
    const text = localStorage.getItem(key);
    return text == null ? fallback : JSON.parse(text);
  } catch (e) {
    return fallback;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false;           // full or refused: the page keeps working, unsaved
  }
}

export function newId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export class Store {
  constructor() {
    const saved = read(CONVERSATIONS, []);
    this.conversations = Array.isArray(saved) ? saved.filter(c => c && c.id && Array.isArray(c.messages)) : [];
    for (const c of this.conversations) {
      for (const m of c.messages) {
        if (m.pending) {          // the page was closed while this reply streamed
          m.pending = false;
          m.stopped = true;
        }
      }
    }
    this.currentId = read(CURRENT, null);
    if (!this.get(this.currentId)) {
      this.currentId = this.sorted()[0]?.id ?? null;
    }
  }

  /** Most recently used first. */
  sorted() {
    return [...this.conversations].sort((a, b) => b.updated - a.updated);
  }

  get(id) {
    return this.conversations.find(c => c.id === id) ?? null;
  }

  current() {
    return this.get(this.currentId);
  }

  select(id) {
    this.currentId = id;
    write(CURRENT, id);
  }

  create() {
    const now = Date.now();
    const c = {id: newId(), title: 'New chat', titleByUser: false, created: now, updated: now, messages: []};
    this.conversations.push(c);
    this.select(c.id);
    this.save(c);
    return c;
  }

  /** Saves a changed conversation (its title follows the first user message until the user renames it). */
  save(c) {
    c.updated = Date.now();
    if (!c.titleByUser) {
      const first = c.messages.find(m => m.role === 'user');
      if (first) {
        const line = first.content.trim().split('\n')[0];
        c.title = line.length > TITLE_LENGTH ? line.slice(0, TITLE_LENGTH - 1) + '…' : line || 'New chat';
      }
    }
    return write(CONVERSATIONS, this.conversations);
  }

  rename(c, title) {
    c.title = title.trim() || c.title;
    c.titleByUser = true;
    this.save(c);
  }

  remove(id) {
    this.conversations = this.conversations.filter(c => c.id !== id);
    write(CONVERSATIONS, this.conversations);
    if (this.currentId === id) {
      this.select(this.sorted()[0]?.id ?? null);
    }
  }

  settings() {
    return read(SETTINGS, {});
  }

  saveSettings(settings) {
    write(SETTINGS, settings);
  }

  apiKey() {
    return read(API_KEY, null);
  }

  setApiKey(key) {
    if (key == null) {
      localStorage.removeItem(API_KEY);
    } else {
      write(API_KEY, key);
    }
  }
}
