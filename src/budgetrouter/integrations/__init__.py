"""Integrations with other LLM tooling; each module imports its tool on import, none here.

:mod:`budgetrouter.integrations.litellm` is a LiteLLM callback (SDK and proxy) that routes each
request and logs its outcome (``pip install 'budgetrouter[litellm]'``).
"""
