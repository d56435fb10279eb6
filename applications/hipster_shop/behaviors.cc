// Online Boutique (hipster shop) users, as the Pixie demo's Locust file had them: every user
// opens the home page on start, then picks weighted tasks. The three types differ only in
// their weights: Weekend and Holiday shoppers buy more.
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/http/http_client.h"

namespace hipster_shop {
namespace {

using ::loadgen::FormEncode;
using ::loadgen::Task;
using ::loadgen::TaskTable;
using ::loadgen::User;

constexpr std::array<absl::string_view, 9> kProducts = {"0PUK6V6EV0", "1YMWWN1N4O", "2ZYFJ3GM2N",
                                                        "66VCHSJNUP", "6E92ZMYYFZ", "9SIQT8TOJO",
                                                        "L9ECAV7KIM", "LS4PSXUNUM", "OLJCESPC7Z"};
constexpr std::array<absl::string_view, 4> kCurrencies = {"EUR", "USD", "JPY", "CAD"};
constexpr std::array<absl::string_view, 6> kQuantities = {"1", "2", "3", "4", "5", "10"};

// Forms are built outside coroutines: g++ 12 miscompiles initializer lists inside them.
std::string CurrencyForm(User& u) { return FormEncode({{"currency_code", u.Choose(kCurrencies)}}); }

std::string CartForm(absl::string_view product, User& u) {
  return FormEncode({{"product_id", product}, {"quantity", u.Choose(kQuantities)}});
}

std::string CheckoutForm() {
  return FormEncode({{"email", "someone@example.com"},
                     {"street_address", "1600 Amphitheatre Parkway"},
                     {"zip_code", "94043"},
                     {"city", "Mountain View"},
                     {"state", "CA"},
                     {"country", "United States"},
                     {"credit_card_number", "4432-8015-6152-0454"},
                     {"credit_card_expiration_month", "1"},
                     {"credit_card_expiration_year", "2039"},
                     {"credit_card_cvv", "672"}});
}

Task Index(User& u) { co_await u.http().Get("/"); }

Task SetCurrency(User& u) { co_await u.http().Post("/setCurrency", CurrencyForm(u)); }

Task BrowseProduct(User& u) {
  co_await u.http().Get(absl::StrCat("/product/", u.Choose(kProducts)), {.name = "/product/[id]"});
}

Task AddToCart(User& u) {
  const absl::string_view product = u.Choose(kProducts);
  co_await u.http().Get(absl::StrCat("/product/", product), {.name = "/product/[id]"});
  co_await u.http().Post("/cart", CartForm(product, u));
}

Task ViewCart(User& u) { co_await u.http().Get("/cart"); }

Task Checkout(User& u) {
  co_await AddToCart(u);
  co_await u.http().Post("/cart/checkout", CheckoutForm());
}

struct Weights {
  int index, set_currency, browse_product, add_to_cart, view_cart, checkout;
};

TaskTable Table(const Weights& w) {
  return {{w.index, Index, "index"},
          {w.set_currency, SetCurrency, "setCurrency"},
          {w.browse_product, BrowseProduct, "browseProduct"},
          {w.add_to_cart, AddToCart, "addToCart"},
          {w.view_cart, ViewCart, "viewCart"},
          {w.checkout, Checkout, "checkout"}};
}

// Shared by the three types: they differ only in their task weights.
template <const Weights& kWeights>
class ShopperBehavior : public loadgen::UserBehavior {
 public:
  TaskTable Tasks() const override { return Table(kWeights); }
  Task OnStart(User& u) override { return Index(u); }
};

constexpr Weights kNormal = {1, 2, 10, 2, 3, 1};
constexpr Weights kWeekend = {1, 4, 10, 5, 4, 3};
constexpr Weights kHoliday = {1, 6, 10, 8, 5, 7};

class NormalUserBehavior : public ShopperBehavior<kNormal> {};
class WeekendUserBehavior : public ShopperBehavior<kWeekend> {};
class HolidayUserBehavior : public ShopperBehavior<kHoliday> {};

}  // namespace

LOADGEN_REGISTER_BEHAVIOR(hipster_shop, Normal, NormalUserBehavior);
LOADGEN_REGISTER_BEHAVIOR(hipster_shop, Weekend, WeekendUserBehavior);
LOADGEN_REGISTER_BEHAVIOR(hipster_shop, Holiday, HolidayUserBehavior);

}  // namespace hipster_shop
