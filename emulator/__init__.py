"""An emulated Telegram Bot API: in-process for the console chat, over HTTP for end-to-end tests."""

from emulator.core import ApiError, BotApiEmulator
from emulator.models import (
    ApiCallError,
    BotActivity,
    BotMessage,
    Button,
    EmulatedChat,
    EmulatedUser,
    EntityOverflow,
    StoredFile,
    UploadedFile,
)
from emulator.ratelimit import RateLimiter, RateLimits
from emulator.request import InProcessRequest, use_emulator
from emulator.running import polling, wait_idle

__all__ = [
    "ApiCallError",
    "ApiError",
    "BotActivity",
    "BotApiEmulator",
    "BotMessage",
    "Button",
    "EmulatedChat",
    "EmulatedUser",
    "EntityOverflow",
    "InProcessRequest",
    "RateLimiter",
    "RateLimits",
    "StoredFile",
    "UploadedFile",
    "polling",
    "use_emulator",
    "wait_idle",
]
