// The unmodified openai npm client (openai-node) against a running `hearth serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const host = process.env.HEARTH_URL;
const model = process.env.HEARTH_MODEL;
assert.ok(host && model, 'HEARTH_URL and HEARTH_MODEL must be set (run through NodeClientsTest)');
const openai = new OpenAI({ baseURL: `${host}/v1`, apiKey: 'hearth', maxRetries: 0 });

test('models list and retrieve', async () => {
  const list = await openai.models.list();
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes(`${model}:latest`), JSON.stringify(ids));
  const one = await openai.models.retrieve(`${model}:latest`);
  assert.equal(one.object, 'model');
  await assert.rejects(openai.models.retrieve('no-such-model'), (e) => e instanceof OpenAI.NotFoundError);
});

test('chat completion, not streaming', async () => {
  const r = await openai.chat.completions.create({
    model,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello!' }],
    max_tokens: 8, temperature: 0, seed: 1, top_p: 0.9, stop: ['zzz'], frequency_penalty: 0.1, presence_penalty: 0.1,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

test('chat completion, streaming with usage, gives the same text', async () => {
  const params = { model, messages: [{ role: 'user', content: 'Tell me a story' }], max_completion_tokens: 8, temperature: 0 };
  const whole = await openai.chat.completions.create(params);
  const stream = await openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish;
  let usage;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? '';
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.ok(['stop', 'length'].includes(finish));
  assert.equal(usage.completion_tokens, whole.usage.completion_tokens);
});

test('chat completion with tools', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object',
    properties: { city: { type: 'string' } } } } }];
  const messages = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18 degrees' },
  ];
  const r = await openai.chat.completions.create({ model, messages, tools, max_tokens: 6 });
  assert.ok(['stop', 'length', 'tool_calls'].includes(r.choices[0].finish_reason));
  const stream = await openai.chat.completions.create({ model, messages, tools, max_tokens: 6, stream: true });
  let finish;
  for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
  assert.ok(['stop', 'length', 'tool_calls'].includes(finish));
});

test('text completion, streaming and not', async () => {
  const r = await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  let text = '';
  for await (const chunk of await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0, stream: true })) {
    text += chunk.choices[0].text;
  }
  assert.equal(text, r.choices[0].text);
});

test('embeddings (the client asks for base64 and decodes it)', async () => {
  const r = await openai.embeddings.create({ model, input: ['hello', 'world'] });
  assert.equal(r.data.length, 2);
  assert.ok(Array.isArray(r.data[0].embedding) && r.data[0].embedding.length > 0);
  const norm = Math.sqrt(r.data[0].embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  const floats = await openai.embeddings.create({ model, input: 'hello', encoding_format: 'float' });
  assert.deepEqual(floats.data[0].embedding.map((x) => x.toFixed(5)), r.data[0].embedding.map((x) => x.toFixed(5)));
  const short = await openai.embeddings.create({ model, input: 'hello', dimensions: 8 });
  assert.equal(short.data[0].embedding.length, 8);
});

test('aborting a stream frees the server', async () => {
  const controller = new AbortController();
  const stream = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'A very long story' }],
    max_tokens: 100000, stream: true }, { signal: controller.signal });
  let n = 0;
  try {
    for await (const chunk of stream) {
      if (++n === 2) controller.abort();
    }
  } catch (e) {
    assert.equal(e.name, 'APIUserAbortError', `${e}`);
  }
  // Chunks that reached the client in the same reads as the first two are still handed out after the abort (a
  // fast model sends dozens at once); an abort that did not stop the stream would run to the context's end.
  assert.ok(n < 100, `the stream went on after the abort (${n} chunks)`);
  const r = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  assert.equal(r.object, 'chat.completion');
});

test('bad requests are OpenAI errors', async () => {
  const bad = async (params, re) => assert.rejects(openai.chat.completions.create(params), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, `${e}`);
    assert.equal(e.status, 400);
    if (re) assert.match(e.message, re);
    return true;
  });
  const messages = [{ role: 'user', content: 'x' }];
  await bad({ model, messages, temperature: 3 }, /temperature/);
  await bad({ model, messages, max_tokens: -1 }, /max_tokens/);
  await bad({ model, messages, n: 2 }, /'n'/);
  await bad({ model, messages, response_format: { type: 'json_object' } }, /response_format/);
  await bad({ model, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] }, /images/);
  await bad({ model, messages: [] }, /messages/);
  await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages }), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(openai.embeddings.create({ model, input: [] }), (e) => e instanceof OpenAI.BadRequestError);
});
