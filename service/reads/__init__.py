"""Who saw parties' personal data in full (个人信息查阅记录): noted by the views that show it,
written once the answer is ready, read by the administrator."""
