"""Who may see and do what: roles, visibility scopes and Strawberry permission classes."""
