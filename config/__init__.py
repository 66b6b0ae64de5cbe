"""Settings classes. Secrets and URLs are read from the environment when the app is created,
never at import, so tests and CLI commands can set the environment first."""
import os
from pathlib import Path

DEMO_SECRET = "songyuan-demo-secret-do-not-use-in-production"
DEMO_PASSWORD = "songyuan-demo"
MIN_SECRET_LENGTH = 32
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the service must not start."""


class Config:
    """Development defaults: the embedded SpatiaLite file and the demo secret."""

    name = "development"
    DEBUG = False
    TESTING = False
    ALLOW_DEMO_PASSWORD = True
    JSON_AS_ASCII = False
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024  # a 10 MB photo plus its multipart envelope
    TIME_ZONE = "Asia/Shanghai"
    ACCESS_TOKEN_MINUTES = 30
    REFRESH_TOKEN_DAYS = 30
    LOGIN_FAILURE_LIMIT = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    ACCESS_KEY_REQUESTS_PER_MINUTE = 120  # per access key, all workers together; 0: no limit
    DEADLINE_LIMITS = {}  # stage → days or {"days", "kind"}; see service/deadlines.py
    SUPERVISION_WORKING_DAYS = 2
    NOTIFICATION_SENDER = "service.notifications.senders:LogSender"
    DB_PING_AFTER_IDLE_SECONDS = 10  # a pooled PostgreSQL connection idle this long is pinged first

    API_TITLE = "松源镇网格化治理服务"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY", DEMO_SECRET if self.ALLOW_DEMO_PASSWORD else "")
        self.JWT_SECRET_KEY = self.SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or self.default_database_url()
        self.PHOTO_DIR = env.get("PHOTO_DIR") or str(INSTANCE_DIR / "photos")
        self.PERSONAL_DATA_KEY = env.get("PERSONAL_DATA_KEY") or self.SECRET_KEY
        # How many reverse proxies (nginx: 1) add to X-Forwarded-For before the service: the
        # caller's address (login throttling) is the one the outermost of them saw. 0 trusts
        # no such header — a client could name any address in it.
        self.PROXIES_IN_FRONT = whole_number(env, "PROXIES_IN_FRONT", 0, 5)
        self.ACCESS_KEY_REQUESTS_PER_MINUTE = whole_number(
            env, "ACCESS_KEY_REQUESTS_PER_MINUTE", self.ACCESS_KEY_REQUESTS_PER_MINUTE, 100_000)

    def default_database_url(self):
        return f"sqlite:///{INSTANCE_DIR / 'songyuan.sqlite'}"

    def check(self):
        """Refuse to start with settings that are unsafe for this environment."""

    def as_dict(self):
        return {key: getattr(self, key) for key in dir(self) if key.isupper()}


class TestingConfig(Config):
    name = "testing"
    TESTING = True

    def default_database_url(self):
        return "sqlite:///:memory:"


class ProductionConfig(Config):
    name = "production"
    ALLOW_DEMO_PASSWORD = False

    def default_database_url(self):
        return ""

    def check(self):
        if not self.SECRET_KEY:
            raise ConfigError("生产环境必须设置环境变量 SECRET_KEY")
        if self.SECRET_KEY == DEMO_SECRET or DEMO_PASSWORD in self.SECRET_KEY:
            raise ConfigError("生产环境不能使用演示密钥，请设置新的 SECRET_KEY")
        if len(self.SECRET_KEY) < MIN_SECRET_LENGTH:
            raise ConfigError(f"SECRET_KEY 太短：至少需要 {MIN_SECRET_LENGTH} 个字符")
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("生产环境必须设置环境变量 DATABASE_URL（PostgreSQL + PostGIS）")


def whole_number(env, name, default, highest):
    text = env.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= highest:
        raise ConfigError(f"{name} 应为 0–{highest} 的整数，而不是 {text!r}")
    return value


CONFIGS = {cls.name: cls for cls in (Config, TestingConfig, ProductionConfig)}


def load_config(name=None, environ=None):
    env = os.environ if environ is None else environ
    name = name or env.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"未知的运行环境 APP_ENV={name!r}，可选：{', '.join(CONFIGS)}")
    config = CONFIGS[name](env)
    config.check()
    return config
