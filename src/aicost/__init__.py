"""aicost: know what an LLM workload costs, before and after you run it."""

__version__ = "0.1.0"
