import numpy as np

from budgetrouter.embedders import HashingEmbedder
from budgetrouter.train.embedding_cache import EmbeddingCache


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(dim=8)
        self.seen = []

    def encode(self, prompts, batch_size=32):
        self.seen += list(prompts)
        return super().encode(prompts, batch_size)


def test_embedding_cache_embeds_each_prompt_once(tmp_path):
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path)
    first = cache.encode(emb, ["a b", "c d", "a b"])
    assert emb.seen == ["a b", "c d"]
    second = EmbeddingCache(tmp_path).encode(emb, ["c d", "e f", "a b"])
    assert emb.seen == ["a b", "c d", "e f"]
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[2], first[0])
