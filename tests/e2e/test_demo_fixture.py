"""The demo fixture gives a bound manager a working bot over the demo book."""


async def test_demo_manager_can_talk_to_the_bot(demo_bot):
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await demo_bot.telegram.user_sends(li, "/help")
    assert "M001" in (await demo_bot.telegram.next_message(li)).plain_text
    texts = await demo_bot.runtime.services.curation.approved_in_effect()
    assert len(texts) > 40
