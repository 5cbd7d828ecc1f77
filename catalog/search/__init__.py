"""Chinese full-text search over the published catalog (条例 第二十四条: 检索、查阅、下载).

segment: the rjieba segmenter with the government-terms list; query: parsing what a citizen typed;
backends: PostgreSQL tsvector/GIN and SQLite FTS5; indexing: keeping the index in step with items;
engine: the one search function; highlight: escaping, then marking the matched words.
"""
