-- a logs.db as simonw/llm writes it (the columns the reader uses)
CREATE TABLE [responses] (
   [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [response] TEXT,
   [datetime_utc] TEXT, [input_tokens] INTEGER, [output_tokens] INTEGER,
   [token_details] TEXT, [resolved_model] TEXT
);
INSERT INTO responses VALUES ('r1', 'o3', 'q', 'a', '2026-03-02T12:00:00+00:00', 3000, 2000,
  '{"prompt_tokens_details": {"cached_tokens": 1000}, "completion_tokens_details": {"reasoning_tokens": 1500}}',
  'o3-2025-04-16');
INSERT INTO responses VALUES ('r2', 'anthropic/claude-haiku-4-5', 'q', 'a', '2026-03-02T15:59:00+00:00', 40, 300,
  '{"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 5000, "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}}',
  NULL);
INSERT INTO responses VALUES ('r3', 'anthropic/claude-haiku-4-5', 'q', 'a', '2026-03-02T16:30:00+00:00', 40, 300,
  '{"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 5000, "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}}',
  NULL);
INSERT INTO responses VALUES ('r4', 'mystery-model', 'q', 'a', '2026-03-02T12:00:00', 10, 10, NULL, NULL);
INSERT INTO responses VALUES ('r5', 'o3', 'q', 'a', '2026-03-02T12:00:00', NULL, NULL, NULL, NULL);
