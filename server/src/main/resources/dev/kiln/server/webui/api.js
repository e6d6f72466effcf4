// The server's HTTP API as the page uses it: paths relative to the page (so it also works behind a reverse proxy
// under a sub-path), the API key as a bearer token, and chat replies read as server-sent events.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Api {
  /** @param key a function giving the API key, or null when none is known */
  constructor(key) {
    this.key = key;
  }

  headers(json) {
    const h = {};
    const key = this.key();
    if (key) {
      h['Authorization'] = 'Bearer ' + key;
    }
    if (json) {
      h['Content-Type'] = 'application/json';
    }
    return h;
  }

  async get(path) {
    const response = await fetch(path, {headers: this.headers(false), cache: 'no-store'});
    if (!response.ok) {
      throw await Api.error(response);
    }
    return response.json();
  }

  /**
   * Streams a chat completion: yields each parsed chunk ({choices: [{delta, finish_reason}]} or the usage chunk).
   * Aborting {@code signal} ends the request, which the server sees as the client going away (it frees the slot).
   */
  async *chat(body, signal) {
    const response = await fetch('v1/chat/completions', {
      method: 'POST', headers: this.headers(true), body: JSON.stringify(body), signal, cache: 'no-store',
    });
    if (!response.ok) {
      throw await Api.error(response);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (true) {
      const {value, done} = await reader.read();
      if (done) {
        return;
      }
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split('\n')) {
          if (!line.startsWith('data: ')) {
            continue;               // ': ping' keep-alives
          }
          const data = line.slice(6);
          if (data === '[DONE]') {
            return;
          }
          const chunk = JSON.parse(data);
          if (chunk.error) {
            throw new ApiError(500, chunk.error.message || 'the server failed while answering');
          }
          yield chunk;
        }
      }
    }
  }

  static async error(response) {
    let message = response.status + ' ' + response.statusText;
    try {
      const body = await response.json();
      message = body?.error?.message || message;
    } catch (e) {
      // not JSON: keep the status line
    }
    return new ApiError(response.status, message);
  }
}
