"""A half-finished step (⏰ waiting for a time) never swallows what the manager does next."""

from __future__ import annotations


async def test_a_command_ends_the_pending_follow_up_step(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张伟")
    card = await telegram.next_message(li)
    await telegram.press(li, card, "⏰ 跟进")
    prompt = await telegram.next_message(li)
    assert "什么时候" in prompt.plain_text

    await telegram.user_sends(li, "客户说下周再聊")  # no time in it: one helpful refusal
    assert "没看懂时间" in (await telegram.next_message(li)).plain_text
    await telegram.user_sends(li, "/help")
    await telegram.next_message(li)

    await telegram.user_sends(li, "科创板开户条件")
    answer = await telegram.next_message(li)
    assert "没看懂时间" not in answer.plain_text
    assert "KB-" in answer.plain_text  # a cited, approved script


async def test_another_button_ends_the_pending_note_step(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张伟")
    card = await telegram.next_message(li)
    await telegram.press(li, card, "📝 记录")
    await telegram.next_message(li)  # "send the note"
    await telegram.press(li, card, "✅ 已联系")
    await telegram.settle()
    await telegram.user_sends(li, "科创板开户条件")
    reply = None
    for _ in range(3):  # the ✅ acknowledgement may come first
        reply = await telegram.next_message(li)
        if "KB-" in reply.plain_text or "已保存" in reply.plain_text:
            break
    assert reply is not None and "已保存" not in reply.plain_text and "KB-" in reply.plain_text
