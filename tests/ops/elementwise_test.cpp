// Elementwise ops against PyTorch 1.13: every expected table below was printed by torch for the
// same inputs (torch.<op>(torch.tensor(inputs, dtype=...)).tolist()). Each op is checked on short
// tensors, on long ones (the vector loops and their tails), on tensors above the 32768-element
// threading grain, on strided views and with broadcast operands.
#include <cmath>
#include <functional>
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// clang-format off
// ---- Torch reference tables (generated with PyTorch 1.13) ----
// kEdge: inputs of the unary tables; k<Op>F32 / k<Op>F64 = torch.<op>(torch.tensor(kEdge, dtype)).
// kA, kB: inputs of the binary tables; k<Op>AB<dtype> = torch.<op>(a, b), with alpha=2.5 for
// kAddAlpha and alpha=-0.5 for kSubAlpha. kPow<e> = torch.pow(torch.tensor(kPowBase), e) with a
// Python number e (M = minus, Half = 0.5, 2p5 = 2.5); kPowT<e> the same with torch.tensor(e).
// k<Cmp>A1 compares kA with 1.0. kClampMin/Max/Both: clamp(min=-3), clamp(max=2.5), clamp(-1, 20).
const std::vector<double> kEdge = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0,
    10.0, -10.0, 20.0, -20.0, 88.5, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.001,
    -1e-30, 3.14159265358979, 1.5707963267948966, 0.1, 700.0, 710.0, -745.5, 12345.678, -4.75};
const std::vector<double> kNegF32 = {kNan, -kInf, kInf, -0.0, 0.0, -1.0, 1.0, -0.5, 0.5, -2.0, 3.0,
    -10.0, 10.0, -20.0, 20.0, -88.5, 87.0, -100.0, 100.0, 200.0, -100000.0, 100000.0,
    -0.0010000000474974513, 1.0000000031710769e-30, -3.1415927410125732, -1.5707963705062866,
    -0.10000000149011612, -700.0, -710.0, 745.5, -12345.677734375, 4.75};
const std::vector<double> kAbsF32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 0.5, 0.5, 2.0, 3.0, 10.0,
    10.0, 20.0, 20.0, 88.5, 87.0, 100.0, 100.0, 200.0, 100000.0, 100000.0, 0.0010000000474974513,
    1.0000000031710769e-30, 3.1415927410125732, 1.5707963705062866, 0.10000000149011612, 700.0,
    710.0, 745.5, 12345.677734375, 4.75};
const std::vector<double> kSqrtF32 = {kNan, kInf, kNan, 0.0, -0.0, 1.0, kNan, 0.7071067690849304,
    kNan, 1.4142135381698608, kNan, 3.1622776985168457, kNan, 4.4721360206604, kNan,
    9.40744400024414, kNan, 10.0, kNan, kNan, 316.2277526855469, kNan, 0.03162277862429619, kNan,
    1.7724539041519165, 1.2533141374588013, 0.3162277638912201, 26.4575138092041,
    26.645824432373047, kNan, 111.1111068725586, kNan};
const std::vector<double> kExpF32 = {kNan, kInf, 0.0, 1.0, 1.0, 2.7182817459106445,
    0.3678794503211975, 1.6487212181091309, 0.6065306663513184, 7.389056205749512,
    0.049787066876888275, 22026.46484375, 4.539993096841499e-05, 485165184.0, 2.06115369216775e-09,
    2.723087918012828e+38, 1.6458114537543937e-38, kInf, 3.783505853677006e-44, 0.0, kInf, 0.0,
    1.0010005235671997, 1.0, 23.14069366455078, 4.8104777336120605, 1.1051709651947021, kInf, kInf,
    0.0, kInf, 0.00865169521421194};
const std::vector<double> kLogF32 = {kNan, kInf, kNan, -kInf, -kInf, 0.0, kNan, -0.6931471824645996,
    kNan, 0.6931471824645996, kNan, 2.3025851249694824, kNan, 2.995732307434082, kNan,
    4.483002662658691, kNan, 4.605170249938965, kNan, kNan, 11.512925148010254, kNan,
    -6.907755374908447, kNan, 1.1447299718856812, 0.45158272981643677, -2.3025851249694824,
    6.551080226898193, 6.56526517868042, kNan, 9.421061515808105, kNan};
const std::vector<double> kSinF32 = {kNan, kNan, kNan, 0.0, -0.0, 0.8414709568023682,
    -0.8414709568023682, 0.4794255495071411, -0.4794255495071411, 0.9092974066734314,
    -0.14112000167369843, -0.5440211296081543, 0.5440211296081543, 0.9129452705383301,
    -0.9129452705383301, 0.5101900100708008, 0.8218178153038025, -0.5063656568527222,
    0.5063656568527222, 0.8732972741127014, 0.03574879840016365, -0.03574879840016365,
    0.0009999999310821295, -1.0000000031710769e-30, -8.742277657347586e-08, 1.0, 0.0998334214091301,
    0.54397052526474, 6.028870848240331e-05, 0.8090541958808899, -0.7042698860168457,
    0.99929279088974};
const std::vector<double> kCosF32 = {kNan, kNan, kNan, 1.0, 1.0, 0.5403023362159729,
    0.5403023362159729, 0.8775825500488281, 0.8775825500488281, -0.416146844625473,
    -0.9899924993515015, -0.83907151222229, -0.83907151222229, 0.4080820679664612,
    0.4080820679664612, 0.8600617051124573, 0.5697503089904785, 0.8623188734054565,
    0.8623188734054565, 0.4871876835823059, -0.9993607997894287, -0.9993607997894287,
    0.9999995231628418, 1.0, -1.0, -4.371138828673793e-08, 0.9950041770935059, -0.8391042947769165,
    1.0, -0.587734043598175, 0.7099323272705078, 0.037602152675390244};
const std::vector<double> kTanF32 = {kNan, kNan, kNan, 0.0, -0.0, 1.5574077367782593,
    -1.5574077367782593, 0.5463024973869324, -0.5463024973869324, -2.185039758682251,
    0.14254654943943024, 0.6483608484268188, -0.6483608484268188, 2.2371609210968018,
    -2.2371609210968018, 0.5932016372680664, 1.4424175024032593, -0.587213933467865,
    0.587213933467865, 1.792527437210083, -0.03577166423201561, 0.03577166423201561,
    0.0010000003967434168, -1.0000000031710769e-30, 8.742277657347586e-08, -22877332.0,
    0.10033467411994934, -0.6482751965522766, 6.028870848240331e-05, -1.3765650987625122,
    -0.9920240640640259, 26.575414657592773};
const std::vector<double> kTanhF32 = {kNan, 1.0, -1.0, 0.0, -0.0, 0.7615941762924194,
    -0.7615941762924194, 0.46211716532707214, -0.46211716532707214, 0.9640275835990906,
    -0.9950547814369202, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0,
    0.0009999996982514858, -1.0000000031710769e-30, 0.996272087097168, 0.9171523451805115,
    0.0996679961681366, 1.0, 1.0, -1.0, 1.0, -0.999850332736969};
const std::vector<double> kSigmoidF32 = {kNan, 1.0, 0.0, 0.5, 0.5, 0.7310585975646973,
    0.2689414322376251, 0.622459352016449, 0.3775406777858734, 0.8807970285415649,
    0.04742587357759476, 0.9999545812606812, 4.539787187241018e-05, 1.0, 2.06115369216775e-09, 1.0,
    1.6458115938842401e-38, 1.0, 0.0, 0.0, 1.0, 0.0, 0.500249981880188, 0.5, 0.9585761427879333,
    0.8278971314430237, 0.5249791741371155, 1.0, 1.0, 0.0, 1.0, 0.00857748556882143};
const std::vector<double> kReluF32 = {kNan, kInf, 0.0, 0.0, -0.0, 1.0, 0.0, 0.5, 0.0, 2.0, 0.0,
    10.0, 0.0, 20.0, 0.0, 88.5, 0.0, 100.0, 0.0, 0.0, 100000.0, 0.0, 0.0010000000474974513, 0.0,
    3.1415927410125732, 1.5707963705062866, 0.10000000149011612, 700.0, 710.0, 0.0, 12345.677734375,
    0.0};
const std::vector<double> kSignF32 = {0.0, 1.0, -1.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0,
    1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    -1.0, 1.0, -1.0};
const std::vector<double> kNegF64 = {kNan, -kInf, kInf, -0.0, 0.0, -1.0, 1.0, -0.5, 0.5, -2.0, 3.0,
    -10.0, 10.0, -20.0, 20.0, -88.5, 87.0, -100.0, 100.0, 200.0, -100000.0, 100000.0, -0.001, 1e-30,
    -3.14159265358979, -1.5707963267948966, -0.1, -700.0, -710.0, 745.5, -12345.678, 4.75};
const std::vector<double> kAbsF64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 0.5, 0.5, 2.0, 3.0, 10.0,
    10.0, 20.0, 20.0, 88.5, 87.0, 100.0, 100.0, 200.0, 100000.0, 100000.0, 0.001, 1e-30,
    3.14159265358979, 1.5707963267948966, 0.1, 700.0, 710.0, 745.5, 12345.678, 4.75};
const std::vector<double> kSqrtF64 = {kNan, kInf, kNan, 0.0, -0.0, 1.0, kNan, 0.7071067811865476,
    kNan, 1.4142135623730951, kNan, 3.1622776601683795, kNan, 4.47213595499958, kNan,
    9.40744386111339, kNan, 10.0, kNan, kNan, 316.22776601683796, kNan, 0.03162277660168379, kNan,
    1.7724538509055152, 1.2533141373155001, 0.31622776601683794, 26.457513110645905,
    26.645825188948457, kNan, 111.11110655555547, kNan};
const std::vector<double> kExpF64 = {kNan, kInf, 0.0, 1.0, 1.0, 2.718281828459045,
    0.36787944117144233, 1.6487212707001282, 0.6065306597126334, 7.38905609893065,
    0.049787068367863944, 22026.465794806718, 4.5399929762484854e-05, 485165195.4097903,
    2.061153622438558e-09, 2.7230878250681117e+38, 1.6458114310822737e-38, 2.6881171418161356e+43,
    3.720075976020836e-44, 1.3838965267367376e-87, kInf, 0.0, 1.0010005001667084, 1.0,
    23.140692632779196, 4.810477380965351, 1.1051709180756477, 1.0142320547350045e+304, kInf, 0.0,
    kInf, 0.008651695203120634};
const std::vector<double> kLogF64 = {kNan, kInf, kNan, -kInf, -kInf, 0.0, kNan, -0.6931471805599453,
    kNan, 0.6931471805599453, kNan, 2.302585092994046, kNan, 2.995732273553991, kNan,
    4.483002552013883, kNan, 4.605170185988092, kNan, kNan, 11.512925464970229, kNan,
    -6.907755278982137, kNan, 1.144729885849399, 0.4515827052894548, -2.3025850929940455,
    6.551080335043404, 6.565264970035361, kNan, 9.421061321291832, kNan};
const std::vector<double> kSinF64 = {kNan, kNan, kNan, 0.0, -0.0, 0.8414709848078965,
    -0.8414709848078965, 0.479425538604203, -0.479425538604203, 0.9092974268256817,
    -0.1411200080598672, -0.5440211108893698, 0.5440211108893698, 0.9129452507276277,
    -0.9129452507276277, 0.5101900080017631, 0.8218178366308225, -0.5063656411097588,
    0.5063656411097588, 0.8732972972139946, 0.03574879797201651, -0.03574879797201651,
    0.0009999998333333417, -1e-30, 3.2310891488651735e-15, 1.0, 0.09983341664682815,
    0.5439705233633756, 6.0288706691585265e-05, 0.8090542014072699, -0.7040813137533816,
    0.999292788975378};
const std::vector<double> kCosF64 = {kNan, kNan, kNan, 1.0, 1.0, 0.5403023058681398,
    0.5403023058681398, 0.8775825618903728, 0.8775825618903728, -0.4161468365471424,
    -0.9899924966004454, -0.8390715290764524, -0.8390715290764524, 0.40808206181339196,
    0.40808206181339196, 0.8600617162362019, 0.569750334265312, 0.8623188722876839,
    0.8623188722876839, 0.4871876750070059, -0.9993608074382124, -0.9993608074382124,
    0.9999995000000417, 1.0, -1.0, 6.123233995736766e-17, 0.9950041652780257, -0.8391043258807425,
    0.999999998182636, -0.5877340377970675, 0.7101193587160628, 0.03760215288797655};
const std::vector<double> kTanF64 = {kNan, kNan, kNan, 0.0, -0.0, 1.5574077246549023,
    -1.5574077246549023, 0.5463024898437905, -0.5463024898437905, -2.185039863261519,
    0.1425465430742778, 0.6483608274590866, -0.6483608274590866, 2.237160944224742,
    -2.237160944224742, 0.5932016253838786, 1.4424174716642324, -0.5872139151569291,
    0.5872139151569291, 1.7925274837903817, -0.035771662952898776, 0.035771662952898776,
    0.0010000003333334668, -1e-30, -3.2310891488651735e-15, 1.633123935319537e+16,
    0.10033467208545055, -0.6482751984294827, 6.0288706801151796e-05, -1.376565162772859,
    -0.9914971407432149, 26.575414231000213};
const std::vector<double> kTanhF64 = {kNan, 1.0, -1.0, 0.0, -0.0, 0.7615941559557649,
    -0.7615941559557649, 0.46211715726000974, -0.46211715726000974, 0.9640275800758169,
    -0.9950547536867305, 0.9999999958776927, -0.9999999958776927, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0,
    -1.0, 1.0, -1.0, 0.0009999996666668, -1e-30, 0.9962720762207499, 0.9171523356672744,
    0.09966799462495582, 1.0, 1.0, -1.0, 1.0, -0.9998503075449787};
const std::vector<double> kSigmoidF64 = {kNan, 1.0, 0.0, 0.5, 0.5, 0.7310585786300049,
    0.2689414213699951, 0.6224593312018546, 0.3775406687981454, 0.8807970779778823,
    0.04742587317756678, 0.9999546021312976, 4.5397868702434395e-05, 0.9999999979388463,
    2.0611536181902037e-09, 1.0, 1.6458114310822737e-38, 1.0, 3.7200759760208356e-44,
    1.3838965267367376e-87, 1.0, 0.0, 0.5002499999791666, 0.5, 0.9585761678336371,
    0.8278971013163362, 0.52497918747894, 1.0, 1.0, 0.0, 1.0, 0.008577485413711984};
const std::vector<double> kReluF64 = {kNan, kInf, 0.0, 0.0, -0.0, 1.0, 0.0, 0.5, 0.0, 2.0, 0.0,
    10.0, 0.0, 20.0, 0.0, 88.5, 0.0, 100.0, 0.0, 0.0, 100000.0, 0.0, 0.001, 0.0, 3.14159265358979,
    1.5707963267948966, 0.1, 700.0, 710.0, 0.0, 12345.678, 0.0};
const std::vector<double> kSignF64 = {0.0, 1.0, -1.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0,
    1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    -1.0, 1.0, -1.0};
const std::vector<double> kFloorF32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -1.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -1.0, 3.0, 1.0, 0.0, 700.0, 710.0, -746.0, 12345.0, -5.0};
const std::vector<double> kFloorF64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -1.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -1.0, 3.0, 1.0, 0.0, 700.0, 710.0, -746.0, 12345.0, -5.0};
const std::vector<double> kCeilF32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 1.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 89.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 1.0, -0.0, 4.0, 2.0, 1.0, 700.0, 710.0, -745.0, 12346.0, -4.0};
const std::vector<double> kCeilF64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 1.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 89.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 1.0, -0.0, 4.0, 2.0, 1.0, 700.0, 710.0, -745.0, 12346.0, -4.0};
const std::vector<double> kRoundF32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -0.0, 3.0, 2.0, 0.0, 700.0, 710.0, -746.0, 12346.0, -5.0};
const std::vector<double> kRoundF64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -0.0, 3.0, 2.0, 0.0, 700.0, 710.0, -746.0, 12346.0, -5.0};
const std::vector<double> kTruncF32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -0.0, 3.0, 1.0, 0.0, 700.0, 710.0, -745.0, 12345.0, -4.0};
const std::vector<double> kTruncF64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 2.0, -3.0, 10.0, -10.0, 20.0, -20.0, 88.0, -87.0, 100.0, -100.0, -200.0, 100000.0, -100000.0, 0.0, -0.0, 3.0, 1.0, 0.0, 700.0, 710.0, -745.0, 12345.0, -4.0};
const std::vector<double> kReciprocalF32 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 2.0, -2.0, 0.5, -0.3333333432674408, 0.10000000149011612, -0.10000000149011612, 0.05000000074505806, -0.05000000074505806, 0.011299435049295425, -0.01149425283074379, 0.009999999776482582, -0.009999999776482582, -0.004999999888241291, 9.999999747378752e-06, -9.999999747378752e-06, 999.9999389648438, -1.0000000150474662e+30, 0.31830987334251404, 0.6366197466850281, 10.0, 0.0014285714132711291, 0.001408450654707849, -0.0013413815759122372, 8.100000559352338e-05, -0.21052631735801697};
const std::vector<double> kReciprocalF64 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 2.0, -2.0, 0.5, -0.3333333333333333, 0.1, -0.1, 0.05, -0.05, 0.011299435028248588, -0.011494252873563218, 0.01, -0.01, -0.005, 1e-05, -1e-05, 1000.0, -9.999999999999999e+29, 0.318309886183791, 0.6366197723675814, 10.0, 0.0014285714285714286, 0.0014084507042253522, -0.0013413816230717639, 8.100000664200055e-05, -0.21052631578947367};
const std::vector<double> kRsqrtF32 = {kNan, 0.0, kNan, kInf, -kInf, 1.0, kNan, 1.4142135381698608, kNan, 0.7071067690849304, kNan, 0.3162277638912201, kNan, 0.22360679507255554, kNan, 0.10629879683256149, kNan, 0.10000000149011612, kNan, kNan, 0.003162277862429619, kNan, 31.622774124145508, kNan, 0.5641895532608032, 0.7978845834732056, 3.1622776985168457, 0.037796445190906525, 0.03752933070063591, kNan, 0.009000000543892384, kNan};
const std::vector<double> kRsqrtF64 = {kNan, 0.0, kNan, kInf, -kInf, 1.0, kNan, 1.414213562373095, kNan, 0.7071067811865475, kNan, 0.31622776601683794, kNan, 0.22360679774997896, kNan, 0.10629880069054679, kNan, 0.1, kNan, kNan, 0.003162277660168379, kNan, 31.622776601683796, kNan, 0.5641895835477565, 0.7978845608028654, 3.162277660168379, 0.03779644730092272, 0.037529331252040075, kNan, 0.009000000369000023, kNan};
const std::vector<double> kLog1pF32 = {kNan, kInf, kNan, 0.0, -0.0, 0.6931471824645996, -kInf, 0.40546509623527527, -0.6931471824645996, 1.0986123085021973, kNan, 2.397895336151123, kNan, 3.044522523880005, kNan, 4.49423885345459, kNan, 4.6151204109191895, kNan, kNan, 11.512935638427734, kNan, 0.00099950039293617, -1.0000000031710769e-30, 1.421080470085144, 0.944215714931488, 0.09531018137931824, 6.5525078773498535, 6.566672325134277, kNan, 9.421142578125, kNan};
const std::vector<double> kLog1pF64 = {kNan, kInf, kNan, 0.0, -0.0, 0.6931471805599453, -kInf, 0.4054651081081644, -0.6931471805599453, 1.0986122886681098, kNan, 2.3978952727983707, kNan, 3.044522437723423, kNan, 4.4942386252808095, kNan, 4.61512051684126, kNan, kNan, 11.51293546492023, kNan, 0.0009995003330835331, -1e-30, 1.4210804127942918, 0.9442157056960554, 0.09531017980432487, 6.55250788703459, 6.566672429803241, kNan, 9.42114231801815, kNan};
const std::vector<double> kExpm1F32 = {kNan, kInf, -1.0, 0.0, -0.0, 1.718281865119934, -0.6321205496788025, 0.6487212777137756, -0.39346933364868164, 6.389056205749512, -0.9502129554748535, 22025.46484375, -0.9999545812606812, 485165184.0, -1.0, 2.723087918012828e+38, -1.0, kInf, -1.0, -1.0, kInf, -1.0, 0.0010005001677200198, -1.0000000031710769e-30, 22.140695571899414, 3.8104774951934814, 0.10517092049121857, kInf, kInf, -1.0, kInf, -0.9913483262062073};
const std::vector<double> kExpm1F64 = {kNan, kInf, -1.0, 0.0, -0.0, 1.7182818284590453, -0.6321205588285577, 0.6487212707001282, -0.3934693402873666, 6.38905609893065, -0.950212931632136, 22025.465794806718, -0.9999546000702375, 485165194.4097903, -0.9999999979388464, 2.7230878250681117e+38, -1.0, 2.6881171418161356e+43, -1.0, -1.0, kInf, -1.0, 0.0010005001667083417, -1e-30, 22.140692632779196, 3.8104773809653514, 0.10517091807564763, 1.0142320547350045e+304, kInf, -1.0, kInf, -0.9913483047968794};
const std::vector<double> kA = {kNan, 1.0, kInf, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 3.5, -2.5,
    1e+30, 1e-30, 7.0, -7.0, 0.0, 2.0, 1e+38, -8.0, 0.1, 1.5, 16.0};
const std::vector<double> kB = {1.0, kNan, kInf, -kInf, -kInf, 0.0, 0.0, 0.0, -0.0, 2.0, 4.0, 1e+30,
    10000000000.0, -3.0, 2.0, -1.0, 0.5, 10.0, 3.0, 0.3, -2.0, 0.25};
const std::vector<double> kAddABF32 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 5.5, 1.5,
    2.0000000300949324e+30, 10000000000.0, 4.0, -5.0, -1.0, 2.5, 9.999999680285692e+37, -5.0,
    0.4000000059604645, -0.5, 16.25};
const std::vector<double> kSubABF32 = {kNan, kNan, kNan, kInf, kNan, 0.0, -0.0, 1.0, -1.0, 1.5,
    -6.5, 0.0, -10000000000.0, 10.0, -9.0, 1.0, 1.5, 9.999999680285692e+37, -11.0,
    -0.20000001788139343, 3.5, 15.75};
const std::vector<double> kMulABF32 = {kNan, kNan, kInf, -kInf, kInf, 0.0, -0.0, 0.0, 0.0, 7.0,
    -10.0, kInf, 9.999999682655225e-21, -21.0, -14.0, -0.0, 1.0, kInf, -24.0, 0.030000001192092896,
    -3.0, 4.0};
const std::vector<double> kDivABF32 = {kNan, kNan, kNan, kNan, kNan, kNan, kNan, kInf, kInf, 1.75,
    -0.625, 1.0, 9.99994610111476e-41, -2.3333332538604736, -3.5, -0.0, 4.0, 9.999999933815813e+36,
    -2.6666667461395264, 0.3333333134651184, -0.75, 64.0};
const std::vector<double> kMaximumABF32 = {kNan, kNan, kInf, kInf, -kInf, 0.0, 0.0, 1.0, -0.0, 3.5,
    4.0, 1.0000000150474662e+30, 10000000000.0, 7.0, 2.0, 0.0, 2.0, 9.999999680285692e+37, 3.0,
    0.30000001192092896, 1.5, 16.0};
const std::vector<double> kMinimumABF32 = {kNan, kNan, kInf, -kInf, -kInf, 0.0, 0.0, 0.0, -1.0, 2.0,
    -2.5, 1.0000000150474662e+30, 1.0000000031710769e-30, -3.0, -7.0, -1.0, 0.5, 10.0, -8.0,
    0.10000000149011612, -2.0, 0.25};
const std::vector<double> kPowABF32 = {kNan, 1.0, kInf, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 12.25,
    39.0625, kInf, 0.0, 0.0029154520016163588, 49.0, kInf, 1.4142135381698608, kInf, -512.0,
    0.5011872053146362, 0.4444444477558136, 2.0};
const std::vector<double> kAddAlphaABF32 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 8.5,
    7.5, 3.5000001282239955e+30, 24999999488.0, -0.5, -2.0, -2.5, 3.25, 9.999999680285692e+37, -0.5,
    0.8500000238418579, -3.5, 16.625};
const std::vector<double> kSubAlphaABF32 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 4.5,
    -0.5, 1.500000098129063e+30, 5000000000.0, 5.5, -6.0, -0.5, 2.25, 9.999999680285692e+37, -6.5,
    0.25, 0.5, 16.125};
const std::vector<double> kAddABF64 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 5.5, 1.5,
    2e+30, 10000000000.0, 4.0, -5.0, -1.0, 2.5, 1e+38, -5.0, 0.4, -0.5, 16.25};
const std::vector<double> kSubABF64 = {kNan, kNan, kNan, kInf, kNan, 0.0, -0.0, 1.0, -1.0, 1.5,
    -6.5, 0.0, -10000000000.0, 10.0, -9.0, 1.0, 1.5, 1e+38, -11.0, -0.19999999999999998, 3.5,
    15.75};
const std::vector<double> kMulABF64 = {kNan, kNan, kInf, -kInf, kInf, 0.0, -0.0, 0.0, 0.0, 7.0,
    -10.0, 1.0000000000000001e+60, 1.0000000000000001e-20, -21.0, -14.0, -0.0, 1.0, 1e+39, -24.0,
    0.03, -3.0, 4.0};
const std::vector<double> kDivABF64 = {kNan, kNan, kNan, kNan, kNan, kNan, kNan, kInf, kInf, 1.75,
    -0.625, 1.0, 1.0000000000000001e-40, -2.3333333333333335, -3.5, -0.0, 4.0, 1e+37,
    -2.6666666666666665, 0.33333333333333337, -0.75, 64.0};
const std::vector<double> kMaximumABF64 = {kNan, kNan, kInf, kInf, -kInf, 0.0, 0.0, 1.0, -0.0, 3.5,
    4.0, 1e+30, 10000000000.0, 7.0, 2.0, 0.0, 2.0, 1e+38, 3.0, 0.3, 1.5, 16.0};
const std::vector<double> kMinimumABF64 = {kNan, kNan, kInf, -kInf, -kInf, 0.0, 0.0, 0.0, -1.0, 2.0,
    -2.5, 1e+30, 1e-30, -3.0, -7.0, -1.0, 0.5, 10.0, -8.0, 0.1, -2.0, 0.25};
// torch.ops.aten.threshold_backward(a, b, 0), and with threshold 2.0 (float64).
const std::vector<double> kThresholdBackwardABF32 = {kNan, 1.0, kInf, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 3.5, -2.5, 1.0000000150474662e+30, 1.0000000031710769e-30, 0.0, -7.0, 0.0, 2.0,
    9.999999680285692e+37, -8.0, 0.10000000149011612, 0.0, 16.0};
const std::vector<double> kThresholdBackwardABF64 = {kNan, 1.0, kInf, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 3.5, -2.5, 1e+30, 1e-30, 0.0, -7.0, 0.0, 2.0, 1e+38, -8.0, 0.1, 0.0, 16.0};
const std::vector<double> kThresholdBackward2ABF64 = {0.0, 1.0, kInf, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, -2.5, 1e+30, 1e-30, 0.0, 0.0, 0.0, 0.0, 1e+38, -8.0, 0.0, 0.0, 0.0};
const std::vector<double> kPowABF64 = {kNan, 1.0, kInf, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 12.25,
    39.0625, kInf, 0.0, 0.0029154518950437317, 49.0, kInf, 1.4142135623730951, kInf, -512.0,
    0.5011872336272724, 0.4444444444444444, 2.0};
const std::vector<double> kAddAlphaABF64 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 8.5,
    7.5, 3.5e+30, 25000000000.0, -0.5, -2.0, -2.5, 3.25, 1e+38, -0.5, 0.85, -3.5, 16.625};
const std::vector<double> kSubAlphaABF64 = {kNan, kNan, kInf, kNan, -kInf, 0.0, 0.0, 1.0, -1.0, 4.5,
    -0.5, 1.5000000000000002e+30, 5000000000.0, 5.5, -6.0, -0.5, 2.25, 1e+38, -6.5, 0.25, 0.5,
    16.125};
const std::vector<double> kPowBase = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0,
    -3.5, 10.0, 0.001};
const std::vector<double> kPow2F32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 0.25, 9.0,
    12.25, 100.0, 1.0000001111620804e-06};
const std::vector<double> kPowT2F32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 0.25, 9.0,
    12.25, 100.0, 1.0000001111620804e-06};
const std::vector<double> kPowHalfF32 = {kNan, kInf, kNan, 0.0, -0.0, 1.0, kNan, 1.4142135381698608,
    kNan, 0.7071067690849304, 1.7320507764816284, kNan, 3.1622776985168457, 0.03162277862429619};
const std::vector<double> kPowTHalfF32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 1.4142135381698608,
    kNan, 0.7071067690849304, 1.7320507764816284, kNan, 3.1622776985168457, 0.03162277862429619};
const std::vector<double> kPow3F32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 8.0, -8.0, 0.125,
    27.0, -42.875, 1000.0, 1.0000001937626735e-09};
const std::vector<double> kPowT3F32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 8.0, -8.0, 0.125,
    27.0, -42.875, 1000.0, 1.0000001937626735e-09};
const std::vector<double> kPowM1F32 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 0.5, -0.5, 2.0,
    0.3333333432674408, -0.2857142984867096, 0.10000000149011612, 999.9999389648438};
const std::vector<double> kPowTM1F32 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 0.5, -0.5, 2.0,
    0.3333333432674408, -0.2857142984867096, 0.10000000149011612, 999.9999389648438};
const std::vector<double> kPowMHalfF32 = {kNan, 0.0, kNan, kInf, -kInf, 1.0, kNan,
    0.7071067690849304, kNan, 1.4142135381698608, 0.5773502588272095, kNan, 0.3162277638912201,
    31.622774124145508};
const std::vector<double> kPowTMHalfF32 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, kNan,
    0.7071067690849304, kNan, 1.4142135381698608, 0.5773502588272095, kNan, 0.3162277638912201,
    31.62277603149414};
const std::vector<double> kPow0F32 = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0};
const std::vector<double> kPowT0F32 = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0};
const std::vector<double> kPow1F32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0,
    -3.5, 10.0, 0.0010000000474974513};
const std::vector<double> kPowT1F32 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0,
    -3.5, 10.0, 0.0010000000474974513};
const std::vector<double> kPow2p5F32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 5.656854152679443,
    kNan, 0.1767766922712326, 15.588457107543945, kNan, 316.2277526855469, 3.1622779061990514e-08};
const std::vector<double> kPowT2p5F32 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 5.656854152679443,
    kNan, 0.1767766922712326, 15.588457107543945, kNan, 316.2277526855469, 3.1622779061990514e-08};
const std::vector<double> kPowM2F32 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, 1.0, 0.25, 0.25, 4.0,
    0.1111111119389534, 0.08163265138864517, 0.009999999776482582, 999999.875};
const std::vector<double> kPowTM2F32 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, 1.0, 0.25, 0.25, 4.0,
    0.1111111119389534, 0.08163265138864517, 0.009999999776482582, 999999.875};
const std::vector<double> kPow2F64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 0.25, 9.0,
    12.25, 100.0, 1e-06};
const std::vector<double> kPowT2F64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 0.25, 9.0,
    12.25, 100.0, 1e-06};
const std::vector<double> kPowHalfF64 = {kNan, kInf, kNan, 0.0, -0.0, 1.0, kNan, 1.4142135623730951,
    kNan, 0.7071067811865476, 1.7320508075688772, kNan, 3.1622776601683795, 0.03162277660168379};
const std::vector<double> kPowTHalfF64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 1.4142135623730951,
    kNan, 0.7071067811865476, 1.7320508075688772, kNan, 3.1622776601683795, 0.03162277660168379};
const std::vector<double> kPow3F64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 8.0, -8.0, 0.125,
    27.0, -42.875, 1000.0, 1e-09};
const std::vector<double> kPowT3F64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 8.0, -8.0, 0.125,
    27.0, -42.875, 1000.0, 1e-09};
const std::vector<double> kPowM1F64 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 0.5, -0.5, 2.0,
    0.3333333333333333, -0.2857142857142857, 0.1, 1000.0};
const std::vector<double> kPowTM1F64 = {kNan, 0.0, -0.0, kInf, -kInf, 1.0, -1.0, 0.5, -0.5, 2.0,
    0.3333333333333333, -0.2857142857142857, 0.1, 1000.0};
const std::vector<double> kPowMHalfF64 = {kNan, 0.0, kNan, kInf, -kInf, 1.0, kNan,
    0.7071067811865475, kNan, 1.414213562373095, 0.5773502691896258, kNan, 0.31622776601683794,
    31.622776601683796};
const std::vector<double> kPowTMHalfF64 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, kNan,
    0.7071067811865475, kNan, 1.4142135623730951, 0.5773502691896257, kNan, 0.31622776601683794,
    31.622776601683793};
const std::vector<double> kPow0F64 = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0};
const std::vector<double> kPowT0F64 = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0};
const std::vector<double> kPow1F64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0,
    -3.5, 10.0, 0.001};
const std::vector<double> kPowT1F64 = {kNan, kInf, -kInf, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0,
    -3.5, 10.0, 0.001};
const std::vector<double> kPow2p5F64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 5.656854249492381,
    kNan, 0.1767766952966369, 15.588457268119896, kNan, 316.22776601683796, 3.162277660168379e-08};
const std::vector<double> kPowT2p5F64 = {kNan, kInf, kInf, 0.0, 0.0, 1.0, kNan, 5.656854249492381,
    kNan, 0.1767766952966369, 15.588457268119896, kNan, 316.22776601683796, 3.162277660168379e-08};
const std::vector<double> kPowM2F64 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, 1.0, 0.25, 0.25, 4.0,
    0.1111111111111111, 0.08163265306122448, 0.01, 1000000.0};
const std::vector<double> kPowTM2F64 = {kNan, 0.0, 0.0, kInf, kInf, 1.0, 1.0, 0.25, 0.25, 4.0,
    0.1111111111111111, 0.08163265306122448, 0.01, 1000000.0};

const std::vector<double> kEqABF32 = {0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0};
const std::vector<double> kNeABF32 = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1};
const std::vector<double> kLtABF32 = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kLeABF32 = {0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kGtABF32 = {0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kGeABF32 = {0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kEqA1F32 = {0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0};
const std::vector<double> kNeA1F32 = {1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1};
const std::vector<double> kLtA1F32 = {0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kLeA1F32 = {0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kGtA1F32 = {0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kGeA1F32 = {0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kEqABF64 = {0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0};
const std::vector<double> kNeABF64 = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1};
const std::vector<double> kLtABF64 = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kLeABF64 = {0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kGtABF64 = {0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kGeABF64 = {0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kEqA1F64 = {0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0};
const std::vector<double> kNeA1F64 = {1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1};
const std::vector<double> kLtA1F64 = {0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kLeA1F64 = {0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0,
    0};
const std::vector<double> kGtA1F64 = {0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kGeA1F64 = {0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1,
    1};
const std::vector<double> kClampMinF32 = {kNan, kInf, -3.0, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -3.0, 10.0, -3.0, 20.0, -3.0, 88.5, -3.0, 100.0, -3.0, -3.0, 100000.0, -3.0,
    0.0010000000474974513, -1.0000000031710769e-30, 3.1415927410125732, 1.5707963705062866,
    0.10000000149011612, 700.0, 710.0, -3.0, 12345.677734375, -3.0};
const std::vector<double> kClampMaxF32 = {kNan, 2.5, -kInf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -3.0, 2.5, -10.0, 2.5, -20.0, 2.5, -87.0, 2.5, -100.0, -200.0, 2.5, -100000.0,
    0.0010000000474974513, -1.0000000031710769e-30, 2.5, 1.5707963705062866, 0.10000000149011612,
    2.5, 2.5, -745.5, 2.5, -4.75};
const std::vector<double> kClampBothF32 = {kNan, 20.0, -1.0, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -1.0, 10.0, -1.0, 20.0, -1.0, 20.0, -1.0, 20.0, -1.0, -1.0, 20.0, -1.0, 0.0010000000474974513,
    -1.0000000031710769e-30, 3.1415927410125732, 1.5707963705062866, 0.10000000149011612, 20.0,
    20.0, -1.0, 20.0, -1.0};
const std::vector<double> kClampMinF64 = {kNan, kInf, -3.0, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -3.0, 10.0, -3.0, 20.0, -3.0, 88.5, -3.0, 100.0, -3.0, -3.0, 100000.0, -3.0, 0.001, -1e-30,
    3.14159265358979, 1.5707963267948966, 0.1, 700.0, 710.0, -3.0, 12345.678, -3.0};
const std::vector<double> kClampMaxF64 = {kNan, 2.5, -kInf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -3.0, 2.5, -10.0, 2.5, -20.0, 2.5, -87.0, 2.5, -100.0, -200.0, 2.5, -100000.0, 0.001, -1e-30,
    2.5, 1.5707963267948966, 0.1, 2.5, 2.5, -745.5, 2.5, -4.75};
const std::vector<double> kClampBothF64 = {kNan, 20.0, -1.0, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
    -1.0, 10.0, -1.0, 20.0, -1.0, 20.0, -1.0, 20.0, -1.0, -1.0, 20.0, -1.0, 0.001, -1e-30,
    3.14159265358979, 1.5707963267948966, 0.1, 20.0, 20.0, -1.0, 20.0, -1.0};
// clang-format on

// Tolerances: the float32 vector math is within a few ULP of torch's; float64 tighter still.
double rtol_for(ScalarType dt) { return dt == kFloat32 ? 2e-6 : 1e-13; }
double atol_for(ScalarType dt) { return dt == kFloat32 ? 1e-37 : 1e-300; }

const std::vector<double>& pick(ScalarType dt, const std::vector<double>& f32,
                                const std::vector<double>& f64) {
  return dt == kFloat32 ? f32 : f64;
}

/// Expects actual (of dtype) to hold expected[i / each % expected.size()] at flat index i: the
/// table tiled, with each entry repeated `each` times.
void expect_table(const Tensor& actual, ScalarType dtype, const std::vector<double>& expected,
                  double rtol, double atol, int64_t each = 1) {
  ASSERT_EQ(actual.dtype(), dtype);
  const std::vector<double> a = values(actual);
  ASSERT_EQ(a.size() % (expected.size() * each), 0u);
  int failures = 0;
  for (size_t i = 0; i < a.size() && failures < 10; ++i) {
    const double e = expected[(i / each) % expected.size()];
    bool ok;
    if (std::isnan(e))
      ok = std::isnan(a[i]);
    else if (std::isinf(e))
      ok = a[i] == e;
    else
      ok = std::abs(a[i] - e) <= atol + rtol * std::abs(e);
    if (!ok) {
      ++failures;
      ADD_FAILURE() << "at " << i << " (entry " << (i / each) % expected.size() << "): got " << a[i]
                    << ", torch gives " << e;
    }
  }
}

/// t repeated reps times along a new leading dim and flattened (a contiguous copy).
Tensor tile(const Tensor& t, int64_t reps) {
  return t.unsqueeze(0).expand({reps, t.numel()}).contiguous().view({-1});
}

using UnaryFn = std::function<Tensor(const Tensor&)>;
using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

/// Checks a unary op on the edge inputs: short, long (vector tails), above the threading grain,
/// and through a strided view.
void check_unary(const UnaryFn& f, const std::vector<double>& input, const std::vector<double>& f32,
                 const std::vector<double>& f64) {
  for (ScalarType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const auto& expected = pick(dt, f32, f64);
    const double rtol = rtol_for(dt), atol = atol_for(dt);
    const Tensor x = tensor(input, dt);
    const int64_t n = x.numel();
    {
      SCOPED_TRACE("short");
      expect_table(f(x), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("first elements only (tail handling)");
      for (int64_t len : {1, 3, 5, 7, 9}) {
        SCOPED_TRACE(len);
        const std::vector<double> head(expected.begin(), expected.begin() + len);
        expect_table(f(x.narrow(0, 0, len)), dt, head, rtol, atol);
      }
    }
    {
      SCOPED_TRACE("long (1000+ elements)");
      expect_table(f(tile(x, 41)), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("above the threading grain");
      expect_table(f(tile(x, 2100)), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("strided view");
      const Tensor strided = tile(x, 37).view({37, n}).t();
      ASSERT_FALSE(strided.is_contiguous());
      expect_table(f(strided).t(), dt, expected, rtol, atol);
    }
  }
}

/// Checks a binary op on the edge pairs (kA, kB): short, long, threaded, strided and with either
/// operand broadcast along the inner dim.
void check_binary(const BinaryFn& f, const std::vector<double>& av, const std::vector<double>& bv,
                  const std::vector<double>& f32, const std::vector<double>& f64) {
  for (ScalarType dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const auto& expected = pick(dt, f32, f64);
    const double rtol = rtol_for(dt), atol = atol_for(dt);
    const Tensor a = tensor(av, dt), b = tensor(bv, dt);
    const int64_t n = a.numel();
    {
      SCOPED_TRACE("short");
      expect_table(f(a, b), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("long");
      expect_table(f(tile(a, 50), tile(b, 50)), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("above the threading grain");
      expect_table(f(tile(a, 1600), tile(b, 1600)), dt, expected, rtol, atol);
    }
    {
      SCOPED_TRACE("strided");
      const Tensor as = tile(a, 33).view({33, n}).t(), bs = tile(b, 33).view({33, n}).t();
      expect_table(f(as, bs).t(), dt, expected, rtol, atol);
    }
    constexpr int64_t kReps = 45;
    const Tensor a_rows = a.view({n, 1}).expand({n, kReps}).contiguous();
    const Tensor b_rows = b.view({n, 1}).expand({n, kReps}).contiguous();
    {
      SCOPED_TRACE("b broadcast along rows");
      expect_table(f(a_rows, b.view({n, 1})), dt, expected, rtol, atol, kReps);
    }
    {
      SCOPED_TRACE("a broadcast along rows");
      expect_table(f(a.view({n, 1}), b_rows), dt, expected, rtol, atol, kReps);
    }
    {
      SCOPED_TRACE("strided with b broadcast");
      expect_table(f(a_rows.t(), b.view({1, n})).t(), dt, expected, rtol, atol, kReps);
    }
  }
}

// ---- Unary ops on float32 / float64 ------------------------------------------------------------

#define EMBER_UNARY_TABLE_TEST(Name, method)                                                    \
  TEST(ElementwiseUnary, Name##MatchesTorch) {                                                  \
    check_unary([](const Tensor& t) { return t.method(); }, kEdge, k##Name##F32, k##Name##F64); \
  }
EMBER_UNARY_TABLE_TEST(Neg, neg)
EMBER_UNARY_TABLE_TEST(Abs, abs)
EMBER_UNARY_TABLE_TEST(Sqrt, sqrt)
EMBER_UNARY_TABLE_TEST(Exp, exp)
EMBER_UNARY_TABLE_TEST(Log, log)
EMBER_UNARY_TABLE_TEST(Sin, sin)
EMBER_UNARY_TABLE_TEST(Cos, cos)
EMBER_UNARY_TABLE_TEST(Tan, tan)
EMBER_UNARY_TABLE_TEST(Tanh, tanh)
EMBER_UNARY_TABLE_TEST(Sigmoid, sigmoid)
EMBER_UNARY_TABLE_TEST(Relu, relu)
EMBER_UNARY_TABLE_TEST(Sign, sign)
EMBER_UNARY_TABLE_TEST(Floor, floor)
EMBER_UNARY_TABLE_TEST(Ceil, ceil)
EMBER_UNARY_TABLE_TEST(Round, round)
EMBER_UNARY_TABLE_TEST(Trunc, trunc)
EMBER_UNARY_TABLE_TEST(Reciprocal, reciprocal)
EMBER_UNARY_TABLE_TEST(Rsqrt, rsqrt)
EMBER_UNARY_TABLE_TEST(Log1p, log1p)
EMBER_UNARY_TABLE_TEST(Expm1, expm1)
#undef EMBER_UNARY_TABLE_TEST

TEST(ElementwiseUnary, FreeFunctionsMatchMethods) {
  const Tensor x = tensor(kEdge);
  expect_close(ember::neg(x), x.neg(), 0, 0);
  expect_close(ember::abs(x), x.abs(), 0, 0);
  expect_close(ember::sqrt(x), x.sqrt(), 0, 0);
  expect_close(ember::exp(x), x.exp(), 0, 0);
  expect_close(ember::log(x), x.log(), 0, 0);
  expect_close(ember::sin(x), x.sin(), 0, 0);
  expect_close(ember::cos(x), x.cos(), 0, 0);
  expect_close(ember::tan(x), x.tan(), 0, 0);
  expect_close(ember::tanh(x), x.tanh(), 0, 0);
  expect_close(ember::sigmoid(x), x.sigmoid(), 0, 0);
  expect_close(ember::relu(x), x.relu(), 0, 0);
  expect_close(ember::sign(x), x.sign(), 0, 0);
  expect_close(ember::floor(x), x.floor(), 0, 0);
  expect_close(ember::ceil(x), x.ceil(), 0, 0);
  expect_close(ember::round(x), x.round(), 0, 0);
  expect_close(ember::trunc(x), x.trunc(), 0, 0);
  expect_close(ember::reciprocal(x), x.reciprocal(), 0, 0);
  expect_close(ember::rsqrt(x), x.rsqrt(), 0, 0);
  expect_close(ember::log1p(x), x.log1p(), 0, 0);
  expect_close(ember::expm1(x), x.expm1(), 0, 0);
}

TEST(ElementwiseUnary, RoundingKeepsIntegersAndRejectsBool) {
  // torch: tensor([7, -2]).floor() is the same int64 values; floor of bool is an error.
  const Tensor big = tensor({int64_t{9007199254740993}, int64_t{-2}});
  for (const Tensor& r : {big.floor(), big.ceil(), big.round(), big.trunc()}) {
    EXPECT_EQ(r.dtype(), kInt64);
    EXPECT_EQ(r.data_ptr<int64_t>()[0], 9007199254740993);
  }
  EXPECT_EMBER_ERROR(tensor({true}).floor(), "floor: not implemented for 'Bool'");
  // The float-only four promote integers and bools to float32.
  EXPECT_EQ(tensor({1, 2}).reciprocal().dtype(), kFloat32);
  expect_close(tensor({true, false}).reciprocal(), tensor({1.0, kInf}));
  expect_close(tensor({4}, kInt32).rsqrt(), tensor({0.5}));
  // Halves round to the even neighbour, as torch.round does.
  expect_close(tensor({0.5, 1.5, 2.5, -0.5, -2.5}).round(), tensor({0.0, 2.0, 2.0, -0.0, -2.0}), 0,
               0);
}

TEST(ElementwiseUnary, InPlaceRoundingAndReciprocal) {
  Tensor x = tensor({1.25, -2.5, 4.0});
  x.floor_();
  expect_close(x, tensor({1.0, -3.0, 4.0}), 0, 0);
  x.reciprocal_();
  expect_close(x, tensor({1.0, -1.0 / 3, 0.25}));
  Tensor i = tensor({1, 2});
  EXPECT_EMBER_ERROR(i.reciprocal_(), "can't be cast");
}

TEST(ElementwiseUnary, NamedEdgeValues) {
  // float32: exp(100) overflows, exp(-200) underflows, log(0) = -inf, log(-1) = nan.
  const Tensor f = tensor({100.0, -200.0, 0.0, -1.0});
  EXPECT_EQ(f.exp().data_ptr<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(f.exp().data_ptr<float>()[1], 0.f);
  EXPECT_EQ(f.log().data_ptr<float>()[2], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f.log().data_ptr<float>()[3]));
  // float64 keeps exp(100) finite: torch gives 2.6881171418161356e+43.
  const Tensor d = tensor({100.0, -200.0}, kFloat64).exp();
  EXPECT_NEAR(d.data_ptr<double>()[0], 2.6881171418161356e+43, 2.6881171418161356e+43 * 1e-14);
  EXPECT_NEAR(d.data_ptr<double>()[1], 1.3838965267367376e-87, 1.3838965267367376e-87 * 1e-14);
  // sin/cos of 1e5 (beyond the vector code's reduction range): torch gives these.
  const Tensor big = tensor({1e5, -1e5, 39000.5, 5e4});
  expect_close(
      big.sin(),
      tensor({0.03574879840016365, -0.03574879840016365, 0.6952720284461975, -0.9998401999473572}),
      2e-6, 1e-7);
  expect_close(
      big.cos(),
      tensor({-0.9993607997894287, -0.9993607997894287, 0.7187466621398926, -0.017877256497740746}),
      2e-6, 1e-7);
  // Negation gives -0 for 0 and relu keeps nan.
  EXPECT_TRUE(std::signbit(tensor({0.0}).neg().data_ptr<float>()[0]));
  EXPECT_TRUE(std::isnan(tensor({NAN}).relu().data_ptr<float>()[0]));
}

// Smooth inputs over a wide range, long enough for the vector loop and threading: each result
// is within a few ULP of the exact value (computed here in double from the same float input).
TEST(ElementwiseUnary, LongFloat32RangeAgainstDoubleReference) {
  constexpr int64_t n = 100003;
  const Tensor x = arange(n, kFloat64).mul(40.0 / n).sub(20.0).to(kFloat32);
  const std::vector<double> xv = values(x);
  struct Case {
    const char* name;
    UnaryFn f;
    double (*ref)(double);
    double rtol, atol;
  };
  const Case cases[] = {
      {"neg", [](const Tensor& t) { return t.neg(); }, [](double v) { return -v; }, 0, 0},
      {"abs", [](const Tensor& t) { return t.abs(); }, [](double v) { return std::abs(v); }, 0, 0},
      {"sqrt", [](const Tensor& t) { return t.abs().sqrt(); },
       [](double v) { return double(float(std::sqrt(std::abs(v)))); }, 0, 0},
      {"exp", [](const Tensor& t) { return t.exp(); }, [](double v) { return std::exp(v); }, 1e-6,
       0},
      {"log", [](const Tensor& t) { return t.abs().log(); },
       [](double v) { return std::log(std::abs(v)); }, 1e-6, 1e-7},
      {"sin", [](const Tensor& t) { return t.sin(); }, [](double v) { return std::sin(v); }, 1e-6,
       1e-7},
      {"cos", [](const Tensor& t) { return t.cos(); }, [](double v) { return std::cos(v); }, 1e-6,
       1e-7},
      {"tan", [](const Tensor& t) { return t.tan(); }, [](double v) { return std::tan(v); }, 1e-6,
       1e-7},
      {"tanh", [](const Tensor& t) { return t.tanh(); }, [](double v) { return std::tanh(v); },
       1e-6, 1e-7},
      {"sigmoid", [](const Tensor& t) { return t.sigmoid(); },
       [](double v) { return 1 / (1 + std::exp(-v)); }, 1e-6, 1e-12},
      {"relu", [](const Tensor& t) { return t.relu(); }, [](double v) { return v > 0 ? v : 0.0; },
       0, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<double> got = values(c.f(x));
    ASSERT_EQ(got.size(), xv.size());
    int failures = 0;
    for (size_t i = 0; i < got.size() && failures < 5; ++i) {
      const double e = c.ref(xv[i]);
      if (std::abs(got[i] - e) > c.atol + c.rtol * std::abs(e)) {
        ++failures;
        ADD_FAILURE() << "x = " << xv[i] << ": got " << got[i] << ", expected " << e;
      }
    }
  }
}

TEST(ElementwiseUnary, IntegerInputs) {
  // torch: tensor([-5, 0, 5]).sign()/.relu()/.neg()/.abs() stay int64.
  const Tensor i = tensor({-5, 0, 5});
  for (const Tensor& r : {i.sign(), i.relu(), i.neg(), i.abs()}) EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(values(i.sign()), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(values(i.relu()), (std::vector<double>{0, 0, 5}));
  EXPECT_EQ(values(i.neg()), (std::vector<double>{5, 0, -5}));
  EXPECT_EQ(values(i.abs()), (std::vector<double>{5, 0, 5}));
  // abs(INT32_MIN) wraps, as in torch.
  const Tensor i32 = tensor({-2147483647 - 1, -5, 0, 5}, kInt32);
  EXPECT_EQ(i32.abs().dtype(), kInt32);
  EXPECT_EQ(values(i32.abs()), (std::vector<double>{-2147483648.0, 5, 0, 5}));
  // Floating ops on integers and bools give float32 (torch: tensor([1, 2, 3]).sqrt()).
  const Tensor s = tensor({1, 2, 3}).sqrt();
  EXPECT_EQ(s.dtype(), kFloat32);
  expect_close(s, tensor({1.0, 1.4142135381698608, 1.7320508075688772}));
  const Tensor e = tensor({1, 2}, kInt32).exp();
  EXPECT_EQ(e.dtype(), kFloat32);
  expect_close(e, tensor({2.7182817459106445, 7.389056205749512}));
  expect_close(tensor({true, false}).sigmoid(), tensor({0.7310585975646973, 0.5}));
  // torch: tensor([True, False]).sign() is bool.
  EXPECT_EQ(tensor({true, false}).sign().dtype(), kBool);
  EXPECT_EQ(values(tensor({true, false}).sign()), (std::vector<double>{1, 0}));
  // Long integer rows take the scalar loop.
  const Tensor li = arange(-50000, 50000, 3);
  const std::vector<double> lv = values(li), nv = values(li.neg()), av = values(li.abs());
  for (size_t k = 0; k < lv.size(); ++k) {
    ASSERT_EQ(nv[k], -lv[k]);
    ASSERT_EQ(av[k], std::abs(lv[k]));
  }
}

TEST(ElementwiseUnary, BoolNegationIsRejected) {
  EXPECT_EMBER_ERROR(tensor({true, false}).neg(), "Negation, the `-` operator, on a bool tensor");
  EXPECT_THROW(tensor({true}).relu(), Error);
}

// ---- Binary ops on float32 / float64
// -------------------------------------------------------------

TEST(ElementwiseBinary, AddMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.add(b); }, kA, kB, kAddABF32,
               kAddABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a + b; }, kA, kB, kAddABF32,
               kAddABF64);
}
TEST(ElementwiseBinary, AddWithAlphaMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.add(b, 2.5); }, kA, kB,
               kAddAlphaABF32, kAddAlphaABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return ember::add(a, b, 2.5); }, kA, kB,
               kAddAlphaABF32, kAddAlphaABF64);
}
TEST(ElementwiseBinary, SubMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.sub(b); }, kA, kB, kSubABF32,
               kSubABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a - b; }, kA, kB, kSubABF32,
               kSubABF64);
}
TEST(ElementwiseBinary, SubWithAlphaMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.sub(b, -0.5); }, kA, kB,
               kSubAlphaABF32, kSubAlphaABF64);
}
TEST(ElementwiseBinary, MulMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.mul(b); }, kA, kB, kMulABF32,
               kMulABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a * b; }, kA, kB, kMulABF32,
               kMulABF64);
}
TEST(ElementwiseBinary, DivMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.div(b); }, kA, kB, kDivABF32,
               kDivABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a / b; }, kA, kB, kDivABF32,
               kDivABF64);
}
TEST(ElementwiseBinary, MaximumPropagatesNan) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.maximum(b); }, kA, kB, kMaximumABF32,
               kMaximumABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return ember::maximum(a, b); }, kA, kB,
               kMaximumABF32, kMaximumABF64);
}
TEST(ElementwiseBinary, MinimumPropagatesNan) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.minimum(b); }, kA, kB, kMinimumABF32,
               kMinimumABF64);
}
// The gradient a passes where b > 0 or b is NaN; elsewhere it is 0, even when infinite.
TEST(ElementwiseBinary, ThresholdBackwardMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return threshold_backward(a, b, 0); }, kA, kB,
               kThresholdBackwardABF32, kThresholdBackwardABF64);
  const Tensor a = tensor(kA, kFloat64), b = tensor(kB, kFloat64);
  expect_table(threshold_backward(a, b, 2.0), kFloat64, kThresholdBackward2ABF64, 0, 0);
  // At an infinite threshold no subtraction (inf - inf) may stand in for the comparison.
  const Tensor ends = tensor({kInf, -kInf, kNan}, kFloat64);
  expect_table(threshold_backward(ones({3}, kFloat64), ends, kInf), kFloat64, {0.0, 0.0, 1.0}, 0,
               0);
}
// relu's gradient is threshold_backward of its result, as PyTorch's: NaN lets the gradient
// through, and an infinite gradient is 0 where relu is flat (not inf * 0 = NaN).
TEST(ElementwiseBinary, ReluGradientMatchesTorchAtNanAndInfinity) {
  Tensor x = tensor({1.0, -1.0, kNan}, kFloat32).requires_grad_();
  x.relu().backward(tensor({kInf, kInf, 1.0}, kFloat32));
  expect_table(x.grad(), kFloat32, {kInf, 0.0, 1.0}, 0, 0);
}
// clamp's gradient selects the incoming gradient inside the bounds (ends included) and 0
// elsewhere, NaN included, as PyTorch's; an infinite gradient outside stays 0.
TEST(ElementwiseBinary, ClampGradientMatchesTorchAtNanAndInfinity) {
  Tensor x = tensor({-1.0, 0.5, kNan, 0.0}, kFloat32).requires_grad_();
  x.clamp(0).backward(full({4}, kInf));
  expect_table(x.grad(), kFloat32, {0.0, kInf, 0.0, kInf}, 0, 0);
  Tensor y = tensor({-1.0, 0.5, 2.0}, kFloat32).requires_grad_();
  y.clamp(0, 1).backward(full({3}, kInf));
  expect_table(y.grad(), kFloat32, {0.0, kInf, 0.0}, 0, 0);
}
TEST(ElementwiseBinary, PowTensorExponentMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.pow(b); }, kA, kB, kPowABF32,
               kPowABF64);
}

// pow with a C++ scalar exponent (torch.pow(t, 2.0)) and with a 0-dim tensor exponent
// (torch.pow(t, torch.tensor(2.0))); torch takes sqrt for a scalar 0.5 and 1/sqrt for -0.5,
// which differ from pow at -inf and -0.
TEST(ElementwiseBinary, PowScalarExponentsMatchTorch) {
  struct Case {
    double exponent;
    const std::vector<double>*scalar32, *scalar64, *tensor32, *tensor64;
  };
  const Case cases[] = {
      {2.0, &kPow2F32, &kPow2F64, &kPowT2F32, &kPowT2F64},
      {0.5, &kPowHalfF32, &kPowHalfF64, &kPowTHalfF32, &kPowTHalfF64},
      {3.0, &kPow3F32, &kPow3F64, &kPowT3F32, &kPowT3F64},
      {-1.0, &kPowM1F32, &kPowM1F64, &kPowTM1F32, &kPowTM1F64},
      {-0.5, &kPowMHalfF32, &kPowMHalfF64, &kPowTMHalfF32, &kPowTMHalfF64},
      {0.0, &kPow0F32, &kPow0F64, &kPowT0F32, &kPowT0F64},
      {1.0, &kPow1F32, &kPow1F64, &kPowT1F32, &kPowT1F64},
      {2.5, &kPow2p5F32, &kPow2p5F64, &kPowT2p5F32, &kPowT2p5F64},
      {-2.0, &kPowM2F32, &kPowM2F64, &kPowTM2F32, &kPowTM2F64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.exponent);
    check_unary([&](const Tensor& t) { return t.pow(c.exponent); }, kPowBase, *c.scalar32,
                *c.scalar64);
    check_unary([&](const Tensor& t) { return ember::pow(t, c.exponent); }, kPowBase, *c.scalar32,
                *c.scalar64);
    check_unary([&](const Tensor& t) { return t.pow(full({}, c.exponent, t.dtype())); }, kPowBase,
                *c.tensor32, *c.tensor64);
    check_unary([&](const Tensor& t) { return t.pow(full({1}, c.exponent, t.dtype())); }, kPowBase,
                *c.tensor32, *c.tensor64);
  }
}

TEST(ElementwiseBinary, PowIntegerAndScalarBase) {
  // torch: tensor([2, 3, -2]) ** 2 == tensor([4, 9, 4]); ** 2.5 gives float32 (nan for -2).
  const Tensor i = tensor({2, 3, -2});
  EXPECT_EQ(i.pow(2).dtype(), kInt64);
  EXPECT_EQ(values(i.pow(2)), (std::vector<double>{4, 9, 4}));
  EXPECT_EQ(values(i.pow(0)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(i.pow(3)), (std::vector<double>{8, 27, -8}));
  const Tensor f = i.pow(2.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_close(f, tensor({5.656854152679443, 15.588457107543945, NAN}));
  const Tensor i32 = tensor({2, 3, -2}, kInt32).pow(full({}, 2));
  EXPECT_EQ(i32.dtype(), kInt32);
  EXPECT_EQ(values(i32), (std::vector<double>{4, 9, 4}));
  EXPECT_EMBER_ERROR(i.pow(-1), "Integers to negative integer powers are not allowed");
  EXPECT_EMBER_ERROR(i.pow(tensor({1, -1, 2})), "Integers to negative integer powers");
  // torch.pow(2, tensor([1, 2, 3])) == tensor([2, 4, 8]); pow(2.5, ...) is float32.
  const Tensor p = ember::pow(2, tensor({1, 2, 3}));
  EXPECT_EQ(p.dtype(), kInt64);
  EXPECT_EQ(values(p), (std::vector<double>{2, 4, 8}));
  const Tensor q = ember::pow(2.5, tensor({1, 2, 3}));
  EXPECT_EQ(q.dtype(), kFloat32);
  expect_close(q, tensor({2.5, 6.25, 15.625}));
  expect_close(ember::pow(2, tensor({0.5, -1.0})), tensor({1.4142135381698608, 0.5}));
  // pow_ in place.
  Tensor t = tensor({-2.0, 3.0, 4.0});
  t.pow_(2);
  EXPECT_EQ(values(t), (std::vector<double>{4, 9, 16}));
  t.pow_(0.5);
  EXPECT_EQ(values(t), (std::vector<double>{2, 3, 4}));
}

// Exact ops on long rows: float add/sub/mul/div/sqrt are correctly rounded, so they must match
// the double result rounded to float32 bit for bit.
TEST(ElementwiseBinary, LongFloat32ExactAgainstReference) {
  constexpr int64_t n = 70001;
  const Tensor a = arange(n, kFloat64).mul(0.37).sub(9000.0).to(kFloat32);
  const Tensor b = arange(n, kFloat64).mul(-0.013).add(123.456).to(kFloat32);
  const std::vector<double> av = values(a), bv = values(b);
  const std::vector<double> add = values(a + b), sub = values(a - b), mul = values(a * b),
                            div = values(a / b), mx = values(a.maximum(b)),
                            mn = values(a.minimum(b));
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(av[i]), y = static_cast<float>(bv[i]);
    ASSERT_EQ(add[i], x + y) << i;
    ASSERT_EQ(sub[i], x - y) << i;
    ASSERT_EQ(mul[i], x * y) << i;
    ASSERT_EQ(div[i], x / y) << i;
    ASSERT_EQ(mx[i], std::max(x, y)) << i;
    ASSERT_EQ(mn[i], std::min(x, y)) << i;
  }
  // With a scalar operand on either side.
  const std::vector<double> s1 = values(a * 0.25), s2 = values(3.0 - a), s3 = values(1.0 / b);
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(av[i]), y = static_cast<float>(bv[i]);
    ASSERT_EQ(s1[i], x * 0.25f) << i;
    ASSERT_EQ(s2[i], 3.0f - x) << i;
    ASSERT_EQ(s3[i], 1.0f / y) << i;
  }
}

TEST(ElementwiseBinary, IntegerArithmetic) {
  const Tensor a = tensor({7, -7, 0, 100}), b = tensor({2, 2, 5, -3});
  EXPECT_EQ((a + b).dtype(), kInt64);
  EXPECT_EQ(values(a + b), (std::vector<double>{9, -5, 5, 97}));
  EXPECT_EQ(values(a - b), (std::vector<double>{5, -9, -5, 103}));
  EXPECT_EQ(values(a * b), (std::vector<double>{14, -14, 0, -300}));
  EXPECT_EQ(values(a.maximum(b)), (std::vector<double>{7, 2, 5, 100}));
  EXPECT_EQ(values(a.minimum(b)), (std::vector<double>{2, -7, 0, -3}));
  // torch: tensor([1, 2]).add(2, alpha=3) == tensor([7, 8]) (int64);
  // tensor([1, 2]).sub(tensor([1, 1]), alpha=3) == tensor([-2, -1]).
  const Tensor s = tensor({1, 2}).add(2, 3);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(values(s), (std::vector<double>{7, 8}));
  const Tensor t = tensor({1, 2}).sub(tensor({1, 1}), 3);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(values(t), (std::vector<double>{-2, -1}));
  const Tensor u = tensor({1, 2}, kInt32).sub(1, 2);
  EXPECT_EQ(u.dtype(), kInt32);
  EXPECT_EQ(values(u), (std::vector<double>{-1, 0}));
  // int32 overflow wraps.
  const Tensor big = tensor({2147483647}, kInt32) + tensor({1}, kInt32);
  EXPECT_EQ(values(big), (std::vector<double>{-2147483648.0}));
  // Long integer rows (threaded).
  const Tensor la = arange(100000), lb = arange(100000).mul(3).sub(7);
  const std::vector<double> sum = values(la + lb), prod = values(la * lb);
  for (int64_t i = 0; i < 100000; i += 997) {
    ASSERT_EQ(sum[i], i + (3 * i - 7));
    ASSERT_EQ(prod[i], static_cast<double>(i * (3 * i - 7)));
  }
}

TEST(ElementwiseBinary, IntegerDivisionIsTrueDivision) {
  // torch: tensor([-7, 7, 0]) / tensor([2, -2, 0]) == tensor([-3.5, -3.5, nan]).
  const Tensor q = tensor({-7, 7, 0}) / tensor({2, -2, 0});
  EXPECT_EQ(q.dtype(), kFloat32);
  expect_close(q, tensor({-3.5, -3.5, NAN}));
  // torch: tensor([1, 2]) / tensor([2, 0]) == tensor([0.5, inf]); -1 / 0 == -inf.
  expect_close(tensor({1, 2, -1}).div(tensor({2, 0, 0})), tensor({0.5, INFINITY, -INFINITY}));
  expect_close(tensor({1, 2}, kInt32).div(4), tensor({0.25, 0.5}));
  EXPECT_EQ(tensor({1, 2}, kInt32).div(4).dtype(), kFloat32);
  const Tensor bq = tensor({true}) / tensor({true});
  EXPECT_EQ(bq.dtype(), kFloat32);
  EXPECT_EQ(values(bq), (std::vector<double>{1}));
  // int / float64 tensor stays float64.
  EXPECT_EQ((tensor({1, 2}) / tensor({2.0, 4.0}, kFloat64)).dtype(), kFloat64);
}

TEST(ElementwiseBinary, MixedDtypes) {
  // torch: int + float -> float32; int32 * int64 -> int64; float32 + float64 -> float64.
  const Tensor r = tensor({1, 2}) + tensor({0.5, 0.25});
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(values(r), (std::vector<double>{1.5, 2.25}));
  EXPECT_EQ((tensor({1, 2}, kInt32) * tensor({3, 4})).dtype(), kInt64);
  EXPECT_EQ((tensor({1.f}) + tensor({1.0}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ((tensor({1.f}) + full({}, 1.0, kFloat64)).dtype(), kFloat32);
  EXPECT_EQ((tensor({1}) + 2.5).dtype(), kFloat32);
  EXPECT_EQ(values(tensor({1}) + 2.5), (std::vector<double>{3.5}));
  // torch: tensor([True, False]) + tensor([True, True]) == tensor([True, True]); * is and.
  const Tensor bs = tensor({true, false}) + tensor({true, true});
  EXPECT_EQ(bs.dtype(), kBool);
  EXPECT_EQ(values(bs), (std::vector<double>{1, 1}));
  const Tensor bb = tensor({true, false}) + tensor({true, false});
  EXPECT_EQ(values(bb), (std::vector<double>{1, 0}));
  const Tensor bm = tensor({true, false}) * tensor({true, true});
  EXPECT_EQ(bm.dtype(), kBool);
  EXPECT_EQ(values(bm), (std::vector<double>{1, 0}));
  // bool + int -> int64.
  const Tensor bi = tensor({true, false}) + 1;
  EXPECT_EQ(bi.dtype(), kInt64);
  EXPECT_EQ(values(bi), (std::vector<double>{2, 1}));
  EXPECT_EMBER_ERROR(tensor({true}) - tensor({false}), "Subtraction, the `-` operator");
}

TEST(ElementwiseBinary, Broadcasting) {
  // torch: arange(3).view(3, 1) * 10 + arange(4).view(1, 4).
  const Tensor a = arange(3, kFloat32).view({3, 1}).mul(10), b = arange(4, kFloat32).view({1, 4});
  const Tensor c = a + b;
  EXPECT_EQ(c.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}));
  EXPECT_EQ(values(b - a), (std::vector<double>{0, 1, 2, 3, -10, -9, -8, -7, -20, -19, -18, -17}));
  // [4] with [2, 3, 4].
  const Tensor v = tensor({1.0, 2.0, 3.0, 4.0});
  const Tensor m = arange(24, kFloat32).view({2, 3, 4});
  const Tensor p = m * v;
  EXPECT_EQ(p.sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  const std::vector<double> pv = values(p);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(pv[i], i * (i % 4 + 1.0));
  EXPECT_EQ((v / m).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  // A 0-dim tensor broadcasts against anything; [1] with [] gives [1].
  EXPECT_EQ((m + full({}, 1.0)).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ((tensor({1.0}) + full({}, 1.0)).sizes().vec(), (std::vector<int64_t>{1}));
  EXPECT_EQ((full({}, 1.0) + full({}, 2.0)).dim(), 0);
  // Large broadcast above the threading grain: [300, 1] + [1, 400].
  const Tensor rows = arange(300, kFloat32).view({300, 1}),
               cols = arange(400, kFloat32).view({1, 400});
  const std::vector<double> big = values(rows * 1000 + cols);
  ASSERT_EQ(big.size(), 120000u);
  for (int64_t i = 0; i < 300; ++i)
    for (int64_t j = 0; j < 400; j += 7) ASSERT_EQ(big[i * 400 + j], i * 1000.0 + j);
  EXPECT_EMBER_ERROR(tensor({1.0, 2.0}) + tensor({1.0, 2.0, 3.0}),
                     "The size of tensor a (2) must match the size of tensor b (3)");
  EXPECT_EQ(broadcast_shapes({3, 1}, {1, 4}).size(), 2u);
}

// ---- C++ operators with a scalar on the left
// ------------------------------------------------------

TEST(ElementwiseOperators, ScalarOnTheLeft) {
  const Tensor t = tensor({1.0, 2.0, 4.0});
  EXPECT_EQ(values(2 - t), (std::vector<double>{1, 0, -2}));
  EXPECT_EQ(values(1 / t), (std::vector<double>{1, 0.5, 0.25}));
  EXPECT_EQ(values(2 * t), (std::vector<double>{2, 4, 8}));
  EXPECT_EQ(values(0.5 + t), (std::vector<double>{1.5, 2.5, 4.5}));
  EXPECT_EQ((2 - t).dtype(), kFloat32);
  EXPECT_EQ((1 / t).dtype(), kFloat32);
  // torch: 2 - tensor([1, 5]) == tensor([1, -3]) (int64); 1 / tensor([2, 4]) is float32.
  const Tensor i = tensor({1, 5});
  EXPECT_EQ((2 - i).dtype(), kInt64);
  EXPECT_EQ(values(2 - i), (std::vector<double>{1, -3}));
  EXPECT_EQ((1 / tensor({2, 4})).dtype(), kFloat32);
  EXPECT_EQ(values(1 / tensor({2, 4})), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ((2.5 - i).dtype(), kFloat32);
  EXPECT_EQ(values(2.5 - i), (std::vector<double>{1.5, -2.5}));
  EXPECT_EQ((1 / tensor({1.0, 2.0}, kFloat64)).dtype(), kFloat64);
  // 1 / ±0 and 1 / inf.
  expect_close(1 / tensor({0.0, -0.0, INFINITY}), tensor({INFINITY, -INFINITY, 0.0}));
}

TEST(ElementwiseOperators, TensorOperators) {
  const Tensor a = tensor({1.0, -2.0, 3.0}), b = tensor({2.0, 2.0, 2.0});
  EXPECT_EQ(values(a + b), (std::vector<double>{3, 0, 5}));
  EXPECT_EQ(values(a - b), (std::vector<double>{-1, -4, 1}));
  EXPECT_EQ(values(a * b), (std::vector<double>{2, -4, 6}));
  EXPECT_EQ(values(a / b), (std::vector<double>{0.5, -1, 1.5}));
  EXPECT_EQ(values(-a), (std::vector<double>{-1, 2, -3}));
  EXPECT_EQ(values(a + 1), (std::vector<double>{2, -1, 4}));
  EXPECT_EQ(values(a - 1), (std::vector<double>{0, -3, 2}));
  EXPECT_EQ(values(a * 3), (std::vector<double>{3, -6, 9}));
  EXPECT_EQ(values(a / 2), (std::vector<double>{0.5, -1, 1.5}));
  EXPECT_EQ(values(a == b), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values(a != b), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(a < b), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(a <= 1), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(a > 1), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a >= 3), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a == 3), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a != -2), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ((a < b).dtype(), kBool);
}

// ---- In-place forms
// --------------------------------------------------------------------------------

TEST(ElementwiseInPlace, ArithmeticInPlace) {
  Tensor t = tensor({1.0, 2.0, 3.0});
  const void* ptr = t.data_ptr();
  t.add_(tensor({1.0, 1.0, 1.0}));
  EXPECT_EQ(values(t), (std::vector<double>{2, 3, 4}));
  t.add_(tensor({1.0, 2.0, 3.0}), 2);
  EXPECT_EQ(values(t), (std::vector<double>{4, 7, 10}));
  t.sub_(1);
  EXPECT_EQ(values(t), (std::vector<double>{3, 6, 9}));
  t.sub_(tensor({1.0, 1.0, 1.0}), 0.5);
  EXPECT_EQ(values(t), (std::vector<double>{2.5, 5.5, 8.5}));
  t.mul_(2);
  EXPECT_EQ(values(t), (std::vector<double>{5, 11, 17}));
  t.div_(tensor({5.0, 11.0, 17.0}));
  EXPECT_EQ(values(t), (std::vector<double>{1, 1, 1}));
  t.add_(2, 3);
  EXPECT_EQ(values(t), (std::vector<double>{7, 7, 7}));
  t += 1;
  t -= tensor({1.0, 2.0, 3.0});
  t *= tensor({2.0, 2.0, 2.0});
  t /= 4;
  EXPECT_EQ(values(t), (std::vector<double>{3.5, 3, 2.5}));
  EXPECT_EQ(t.data_ptr(), ptr);
  EXPECT_EQ(t.dtype(), kFloat32);
  // A float64 0-dim operand does not change a float32 tensor's dtype.
  t.mul_(full({}, 2.0, kFloat64));
  EXPECT_EQ(values(t), (std::vector<double>{7, 6, 5}));
}

TEST(ElementwiseInPlace, UnaryInPlace) {
  Tensor t = tensor({-1.5, 0.0, 2.0, NAN});
  const auto v0 = t._version();
  t.neg_();
  expect_close(t, tensor({1.5, -0.0, -2.0, NAN}));
  EXPECT_GT(t._version(), v0);
  t.clamp_(-1.0, 1.0);
  expect_close(t, tensor({1.0, 0.0, -1.0, NAN}));
  t.relu_();
  expect_close(t, tensor({1.0, 0.0, 0.0, NAN}));
  t.exp_();
  expect_close(t, tensor({2.7182817459106445, 1.0, 1.0, NAN}));
  // Integer in-place ops keep their dtype.
  Tensor i = tensor({-3, 4, 9});
  i.neg_();
  EXPECT_EQ(values(i), (std::vector<double>{3, -4, -9}));
  i.clamp_(-5, 2);
  EXPECT_EQ(values(i), (std::vector<double>{2, -4, -5}));
  i.add_(1).mul_(2);
  EXPECT_EQ(values(i), (std::vector<double>{6, -6, -8}));
  EXPECT_EQ(i.dtype(), kInt64);
}

TEST(ElementwiseInPlace, BroadcastAndViews) {
  // [2, 3] += [3].
  Tensor m = zeros({2, 3});
  m.add_(tensor({1.0, 2.0, 3.0}));
  EXPECT_EQ(values(m), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  // Writing through a transposed view updates the base.
  Tensor base = arange(6, kFloat32).view({2, 3});
  Tensor tv = base.t();
  tv.mul_(tensor({10.0, 100.0}));
  EXPECT_EQ(values(base), (std::vector<double>{0, 10, 20, 300, 400, 500}));
  tv.neg_();
  EXPECT_EQ(values(base), (std::vector<double>{-0.0, -10, -20, -300, -400, -500}));
  // A column of a long matrix (strided rows through the vector code).
  Tensor big = ones({40000, 2});
  big.select(1, 1).mul_(3).add_(1);
  EXPECT_EQ(big.sum().item<double>(), 40000 * 5.0);
  EXPECT_EQ(big.index({39999, 1}).item<float>(), 4.f);
  // The output cannot change shape or hold a broadcast value.
  Tensor small = zeros({3});
  EXPECT_EMBER_ERROR(small.add_(zeros({2, 3})), "doesn't match the broadcast shape");
  Tensor expanded = zeros({1}).expand({3});
  EXPECT_EMBER_ERROR(expanded.add_(1), "more than one element of the written-to tensor");
}

TEST(ElementwiseInPlace, CannotPromoteInPlace) {
  // torch: tensor([1, 2]).div_(2) -> "result type Float can't be cast to the desired output
  // type Long".
  Tensor i = tensor({1, 2});
  EXPECT_EMBER_ERROR(i.div_(2), "result type Float can't be cast to the desired output type Long");
  EXPECT_EMBER_ERROR(i.add_(0.5), "can't be cast");
  EXPECT_EMBER_ERROR(i.mul_(tensor({1.5, 2.0})), "can't be cast");
  EXPECT_EMBER_ERROR(i.exp_(), "can't be cast");
  EXPECT_EQ(values(i), (std::vector<double>{1, 2}));
  // An int tensor may take an int64 operand in place (int32 stays int32).
  Tensor i32 = tensor({1, 2}, kInt32);
  i32.add_(tensor({5, 5}));
  EXPECT_EQ(i32.dtype(), kInt32);
  EXPECT_EQ(values(i32), (std::vector<double>{6, 7}));
  // A float32 tensor takes a float64 operand, rounding into float32.
  Tensor f = tensor({1.0});
  f.add_(tensor({0.1}, kFloat64));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.data_ptr<float>()[0], 1.1f);
}

// ---- clamp
// ---------------------------------------------------------------------------------------

TEST(ElementwiseClamp, MatchesTorch) {
  check_unary([](const Tensor& t) { return t.clamp(-3.0); }, kEdge, kClampMinF32, kClampMinF64);
  check_unary([](const Tensor& t) { return t.clamp_min(-3.0); }, kEdge, kClampMinF32, kClampMinF64);
  check_unary([](const Tensor& t) { return t.clamp(std::nullopt, 2.5); }, kEdge, kClampMaxF32,
              kClampMaxF64);
  check_unary([](const Tensor& t) { return t.clamp_max(2.5); }, kEdge, kClampMaxF32, kClampMaxF64);
  check_unary([](const Tensor& t) { return ember::clamp(t, -1.0, 20.0); }, kEdge, kClampBothF32,
              kClampBothF64);
}

TEST(ElementwiseClamp, EdgeCases) {
  // torch.clamp(tensor([1., nan, 5.]), 2., 1.) == tensor([1., nan, 1.]) (max wins).
  expect_close(tensor({1.0, NAN, 5.0}).clamp(2.0, 1.0), tensor({1.0, NAN, 1.0}));
  // Integer tensors with integer bounds stay integer.
  const Tensor i = tensor({1, 5, 3}, kInt32).clamp(std::nullopt, 2);
  EXPECT_EQ(i.dtype(), kInt32);
  EXPECT_EQ(values(i), (std::vector<double>{1, 2, 2}));
  const Tensor j = tensor({1, 2, 3}).clamp(2);
  EXPECT_EQ(j.dtype(), kInt64);
  EXPECT_EQ(values(j), (std::vector<double>{2, 2, 3}));
  // torch.clamp(tensor([1, 2, 3]), 1.5, 2.5) == tensor([1.5, 2.0, 2.5]) (float32).
  const Tensor k = tensor({1, 2, 3}).clamp(1.5, 2.5);
  EXPECT_EQ(k.dtype(), kFloat32);
  EXPECT_EQ(values(k), (std::vector<double>{1.5, 2.0, 2.5}));
  // torch: tensor([True, False]).clamp(0) is int64.
  EXPECT_EQ(tensor({true, false}).clamp(0).dtype(), kInt64);
  // Bounds beyond int32's range saturate.
  EXPECT_EQ(values(tensor({-5, 5}, kInt32).clamp(int64_t{-1} << 40, int64_t{1} << 40)),
            (std::vector<double>{-5, 5}));
  EXPECT_EMBER_ERROR(tensor({1.0}).clamp(std::nullopt, std::nullopt),
                     "At least one of 'min' or 'max' must not be None");
  // torch: tensor([1, 2]).clamp_(0.5) fails: the float result cannot be written into int64.
  Tensor in_place = tensor({1, 2});
  EXPECT_THROW(in_place.clamp_(0.5), Error);
}

// ---- Comparisons
// ---------------------------------------------------------------------------------

TEST(ElementwiseCompare, TensorFormsMatchTorch) {
  using Fn = Tensor (Tensor::*)(const Tensor&) const;
  struct Case {
    const char* name;
    Fn fn;
    const std::vector<double>*f32, *f64;
  };
  const Case cases[] = {
      {"eq", &Tensor::eq, &kEqABF32, &kEqABF64}, {"ne", &Tensor::ne, &kNeABF32, &kNeABF64},
      {"lt", &Tensor::lt, &kLtABF32, &kLtABF64}, {"le", &Tensor::le, &kLeABF32, &kLeABF64},
      {"gt", &Tensor::gt, &kGtABF32, &kGtABF64}, {"ge", &Tensor::ge, &kGeABF32, &kGeABF64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (ScalarType dt : {kFloat32, kFloat64}) {
      const Tensor a = tensor(kA, dt), b = tensor(kB, dt);
      const auto& expected = pick(dt, *c.f32, *c.f64);
      expect_table((a.*c.fn)(b), kBool, expected, 0, 0);
      expect_table((tile(a, 1600).*c.fn)(tile(b, 1600)), kBool, expected, 0, 0);
      // Mixed dtypes compare in the promoted type.
      expect_table((a.*c.fn)(b.to(kFloat64)), kBool, *c.f64, 0, 0);
    }
  }
  // The free functions.
  EXPECT_EQ(values(ember::eq(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(ember::ne(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(ember::lt(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(ember::le(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(ember::gt(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(ember::ge(tensor({1, 2}), tensor({1, 3}))), (std::vector<double>{1, 0}));
}

TEST(ElementwiseCompare, ScalarFormsMatchTorch) {
  using Fn = Tensor (Tensor::*)(const Scalar&) const;
  struct Case {
    const char* name;
    Fn fn;
    const std::vector<double>*f32, *f64;
  };
  const Case cases[] = {
      {"eq", &Tensor::eq, &kEqA1F32, &kEqA1F64}, {"ne", &Tensor::ne, &kNeA1F32, &kNeA1F64},
      {"lt", &Tensor::lt, &kLtA1F32, &kLtA1F64}, {"le", &Tensor::le, &kLeA1F32, &kLeA1F64},
      {"gt", &Tensor::gt, &kGtA1F32, &kGtA1F64}, {"ge", &Tensor::ge, &kGeA1F32, &kGeA1F64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (ScalarType dt : {kFloat32, kFloat64}) {
      const Tensor a = tensor(kA, dt);
      expect_table((a.*c.fn)(1.0), kBool, pick(dt, *c.f32, *c.f64), 0, 0);
      expect_table((a.*c.fn)(1), kBool, pick(dt, *c.f32, *c.f64), 0, 0);
    }
  }
  // torch: tensor([1, 2]) < 1.5 == tensor([True, False]); an int tensor and a float scalar
  // compare in float32: tensor([16777217]) > 16777216.5 is False, == is True.
  EXPECT_EQ(values(tensor({1, 2}).lt(1.5)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(tensor({1, 2}) >= 1.5), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(tensor({int64_t{16777217}}).gt(16777216.5)), (std::vector<double>{0}));
  EXPECT_EQ(values(tensor({int64_t{16777217}}).eq(16777216.5)), (std::vector<double>{1}));
  // nan compares unequal to everything, itself included.
  const Tensor n = tensor({NAN});
  EXPECT_EQ(values(n == n), (std::vector<double>{0}));
  EXPECT_EQ(values(n != n), (std::vector<double>{1}));
  EXPECT_EQ(values(n.le(kInf)), (std::vector<double>{0}));
  // bool tensors compare with bools and ints.
  EXPECT_EQ(values(tensor({true, false}).eq(true)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(tensor({true, false}).lt(1)), (std::vector<double>{0, 1}));
  // Broadcast comparison: [3, 1] with [1, 4].
  const Tensor g = arange(3).view({3, 1}).gt(arange(4).view({1, 4}));
  EXPECT_EQ(g.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(g), (std::vector<double>{0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}));
}

// ---- where and masked_fill ---------------------------------------------------------------------

TEST(ElementwiseWhere, SelectsAndBroadcasts) {
  const Tensor cond = tensor({true, false, true});
  const Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({-1.0, -2.0, -3.0});
  EXPECT_EQ(values(where(cond, a, b)), (std::vector<double>{1, -2, 3}));
  // cond [3, 1], a [1, 4], b 0-dim.
  const Tensor c2 = tensor({{true}, {false}, {true}});
  const Tensor r = where(c2, arange(4, kFloat32).view({1, 4}), full({}, 9.0));
  EXPECT_EQ(r.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(r), (std::vector<double>{0, 1, 2, 3, 9, 9, 9, 9, 0, 1, 2, 3}));
  // Promotion: torch.where(cond, tensor([1, 2]), 2.5) == tensor([1.0, 2.5]) (float32);
  // torch.where(cond, 1, float64 tensor) is float64.
  const Tensor c = tensor({true, false});
  const Tensor w1 = where(c, tensor({1, 2}), 2.5);
  EXPECT_EQ(w1.dtype(), kFloat32);
  EXPECT_EQ(values(w1), (std::vector<double>{1, 2.5}));
  const Tensor w2 = where(c, 1, tensor({1.5, 2.5}, kFloat64));
  EXPECT_EQ(w2.dtype(), kFloat64);
  EXPECT_EQ(values(w2), (std::vector<double>{1, 2.5}));
  const Tensor w3 = where(c, tensor({1, 2}, kInt32), tensor({3, 4}));
  EXPECT_EQ(w3.dtype(), kInt64);
  EXPECT_EQ(values(w3), (std::vector<double>{1, 4}));
  // nan in the unselected branch does not leak.
  expect_close(where(c, tensor({1.0, NAN}), tensor({NAN, 2.0})), tensor({1.0, 2.0}));
  // Long: select by a comparison.
  const Tensor x = arange(50000, kFloat32).sub(25000);
  const Tensor relu = where(x > 0, x, zeros({}));
  EXPECT_TRUE(equal(relu, x.relu()));
  EXPECT_EMBER_ERROR(where(tensor({1, 0}), a.narrow(0, 0, 2), b.narrow(0, 0, 2)),
                     "expected condition to be a boolean tensor");
}

TEST(ElementwiseWhere, MaskedFill) {
  const Tensor t = arange(6, kFloat32).view({2, 3});
  const Tensor mask = tensor({true, false, true});
  const Tensor r = t.masked_fill(mask, -1.0);
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(values(r), (std::vector<double>{-1, 1, -1, -1, 4, -1}));
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  expect_close(ember::masked_fill(t, mask, NAN), tensor({{NAN, 1.0, NAN}, {NAN, 4.0, NAN}}));
  // torch: tensor([1, 2]).masked_fill(tensor([True, False]), 2.7) == tensor([2, 2]).
  const Tensor i = tensor({1, 2}).masked_fill(tensor({true, false}), 2.7);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(values(i), (std::vector<double>{2, 2}));
  // In place, through a view, and with a long mask.
  Tensor base = zeros({4, 3});
  const auto v0 = base._version();
  base.t().masked_fill_(tensor({{true}, {false}, {false}}), 5.0);
  EXPECT_EQ(values(base), (std::vector<double>{5, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0}));
  EXPECT_GT(base._version(), v0);
  Tensor big = arange(40000, kFloat32);
  big.masked_fill_(big.ge(20000), 0.0);
  EXPECT_EQ(big.sum().item<double>(), 19999.0 * 20000.0 / 2.0);
  EXPECT_EMBER_ERROR(t.masked_fill(tensor({1, 0, 1}), 0.0), "only supports boolean masks");
  EXPECT_THROW(t.masked_fill(tensor({true, false}), 0.0), Error);
}

}  // namespace
}  // namespace ember
