"""Projects a provider runs for its customers: the projects, their actions (tasks), topics (threaded
discussions), time logs, and the support tickets linked to them."""
