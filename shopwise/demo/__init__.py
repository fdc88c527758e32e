"""The demo catalog: a few hundred generated products, reviews and shoppers, so the assistant
works out of the box with nothing downloaded (generated on first use into settings.home)."""
