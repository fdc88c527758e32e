"""Explaining each recommended item from its own record: facts, templates, the faithfulness guard."""
