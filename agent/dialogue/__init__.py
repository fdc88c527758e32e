"""What the conversation has established so far, and how follow-up messages change it."""
