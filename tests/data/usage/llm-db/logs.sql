-- a logs.db as simonw/llm 0.32 writes it (the columns the reader uses, plus a few it ignores)
CREATE TABLE [responses] (
   [id] TEXT PRIMARY KEY,
   [model] TEXT,
   [prompt] TEXT,
   [system] TEXT,
   [response] TEXT,
   [conversation_id] TEXT,
   [duration_ms] INTEGER,
   [datetime_utc] TEXT,
   [input_tokens] INTEGER,
   [output_tokens] INTEGER,
   [token_details] TEXT,
   [resolved_model] TEXT
);
-- OpenAI chat: input includes the cached tokens, output the reasoning
INSERT INTO responses VALUES ('01jm8ec74wxsdatyn5pq1fp0s5', 'gpt-4o', 'hi', NULL, 'hello', 'c1', 900,
  '2026-02-16T22:34:30.374882+00:00', 1480, 412,
  '{"prompt_tokens_details": {"cached_tokens": 1024}, "completion_tokens_details": {"reasoning_tokens": 0}}',
  'gpt-4o-2024-08-06');
-- llm-anthropic with the cache option: input excludes reads and writes
INSERT INTO responses VALUES ('01jm8ed000000000000000000a', 'anthropic/claude-sonnet-4-0', 'q', NULL, 'a', 'c2', 3000,
  '2026-02-17T08:00:00+00:00', 40, 300,
  '{"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 5000, "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}}',
  'claude-sonnet-4-20250514');
-- llm-anthropic without caching: no details at all
INSERT INTO responses VALUES ('01jm8ed000000000000000000b', 'anthropic/claude-3-haiku-20240307', 'q', NULL, 'a', 'c3', 800,
  '2026-02-17T09:00:00', 200, 100, NULL, NULL);
-- llm-gemini before it counted thinking as output: output_tokens is the candidates only
INSERT INTO responses VALUES ('01jm8ed000000000000000000c', 'gemini/gemini-2.5-flash', 'q', NULL, 'a', 'c4', 1200,
  '2026-02-18T10:00:00+00:00', 700, 80,
  '{"candidatesTokenCount": 80, "thoughtsTokenCount": 120, "cachedContentTokenCount": 512}', 'gemini-2.5-flash');
-- OpenAI Responses API with reasoning (output includes it)
INSERT INTO responses VALUES ('01jm8ed000000000000000000d', 'o3', 'q', NULL, 'a', 'c5', 9000,
  '2026-02-18T11:00:00+00:00', 2000, 1500,
  '{"input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 1200}}', NULL);
-- a model unknown to any sheet
INSERT INTO responses VALUES ('01jm8ed000000000000000000e', 'imaginary-model-9', 'q', NULL, 'a', 'c6', 10,
  '2026-02-18T12:00:00+00:00', 5, 5, NULL, NULL);
-- malformed: the token details are not JSON
INSERT INTO responses VALUES ('01jm8ed000000000000000000f', 'gpt-4o', 'q', NULL, 'a', 'c7', 10,
  '2026-02-18T13:00:00+00:00', 5, 5, '{not json', NULL);
-- malformed: a plugin that logs no token counts
INSERT INTO responses VALUES ('01jm8ed000000000000000000g', 'markov', 'q', NULL, 'a', 'c8', 10,
  '2026-02-18T14:00:00+00:00', NULL, NULL, NULL, NULL);
