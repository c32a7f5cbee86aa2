"""The public log of editorial and moderation actions, with reasons (after Lobsters'
moderation log). It sits below accounts and catalog so every domain can record into it."""
